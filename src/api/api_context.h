// ApiContext: the objects the REST handlers use, wired by the composition root (main / tests).
// The context does not own them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cache/source_cache.h"
#include "cache/tile_cache.h"
#include "cache/viewer_tracker.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "io/file.h"
#include "source/registry.h"
#include "store/assetstore.h"
#include "store/metadata_store.h"
#include "tiles/tile_service.h"

namespace tessera {

class Auth;
class JobRunner;

struct ApiContext {
  MetadataStore* store = nullptr;
  Auth* auth = nullptr;              // api/auth.h: who is asking, what they may see
  Assetstore* assetstore = nullptr;  // where uploads are written
  JobRunner* jobs = nullptr;         // api/jobs.h: background conversions; may be null in tests
  TileService* tiles = nullptr;
  TileCache* tile_cache = nullptr;
  SourceCache* source_cache = nullptr;
  ViewerTracker* viewers = nullptr;  // who views what; may be null in tests
  RouteMetrics* metrics = nullptr;   // request latency by route; may be null
  const FormatRegistry* registry = nullptr;
  // The limits sources are opened with (Config: max-levels, max-frames): what import, uploads
  // and POST /item/{id}/tiles check a file against before making it a large image, the same
  // the tile service serves with.
  OpenOptions open;
  const FileSystem* fs = &FileSystem::Posix();
  const Clock* clock = &Clock::Real();
  int64_t start_nanos = 0;
  // Where handlers write temporary outputs (streamed responses); emptied at start-up.
  std::string temp_dir = "/tmp";
  // A file's stat is trusted this long before it is checked again (Config).
  int64_t file_check_interval_nanos = 1'000'000'000;
  std::string version = "0.1.0";

  // Data management (Config).
  bool open_registration = false;  // anyone may POST /user; otherwise admins only
  int64_t token_ms = int64_t{30} * 24 * 3600 * 1000;  // a login's token lifetime
  bool fast_password_hash = false;                    // tests: the cheapest argon2id parameters
  std::vector<std::string> import_roots;              // server-side import is limited to these
  int max_thumbnail_files = 10;                       // persisted thumbnails per item
  uint64_t max_upload_bytes = 0;                      // per upload (0: no limit)
  // Pixel bytes one region-sized request may assemble (tiles/decode_budget.h; 0: no limit).
  uint64_t max_decoded_bytes = uint64_t{2} << 30;
  std::string thumbnail_dir;  // where they are written; empty: not persisted
  // Uploads: the default quota of a user's files + uploads in progress (0: no quota; admins
  // exempt; a user's own policy may replace it: MetadataStore::GetUserQuota); what an upload
  // must leave free on the assetstore's disk (507 otherwise).
  int64_t user_quota_bytes = 0;  // user-quota-bytes, as the store's quota type
  uint64_t min_free_disk_bytes = 0;
};

}  // namespace tessera
