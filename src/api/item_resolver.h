// ItemResolver: item id -> item record and the SourceRef that names its file's current
// version, after checking that the caller may read the item (Auth::CheckItem: 401/403 for a
// private item, on every tile route). Item records are cached in memory (the hot tile path never
// touches SQLite twice for one item). The file's stat (modification time and size) is part of the
// source key
// ("f:<file id>:<mtime_ns>:<size>"), so a file rewritten in place gets new keys and is never served
// from the old entries; it is re-checked when the last check is older than
// ApiContext::file_check_interval_nanos (1 s by default, 0 = every request), which keeps a stat
// system call off the hot path of cache hits.
//
// "test" resolves to the synthetic source with the request's parameters (large_image's
// /item/test/tiles).
// Thread-safety: safe from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/api_context.h"
#include "api/api_types.h"
#include "core/thread_annotations.h"
#include "tiles/tile_request.h"

namespace tessera {

struct ResolvedItem {
  std::shared_ptr<const ItemRecord> item;  // null for the synthetic "test" item
  SourceRef source;
  bool synthetic = false;
};

class ItemResolver {
 public:
  explicit ItemResolver(const ApiContext& ctx) : ctx_(ctx) {}

  // NotFound for an unknown item or a missing file; InvalidArgument for a malformed id or bad
  // synthetic parameters; 400-style error for items that are not large images.
  StatusOr<ResolvedItem> Resolve(const std::string& id, const ApiRequest& request);

 private:
  struct Entry {
    std::shared_ptr<const ItemRecord> item;
    Status file_status;      // NotFound when the file was missing at the last check
    std::string source_key;  // from the last check
    int64_t checked_nanos = 0;
  };

  const ApiContext& ctx_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> items_ GUARDED_BY(mu_);
};

}  // namespace tessera
