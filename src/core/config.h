// Config: every setting of a Tessera process, with defaults sized from the machine.
//
// Settings come from (later wins): defaults, a config file (`key = value` lines, `#` comments;
// the keys are the long flag names without dashes, e.g. `tile-cache-bytes = 2GiB`), then
// command-line flags. docs/operations.md lists them.
// Thread-safety: a value type, built at start-up.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/logging.h"
#include "core/status.h"

namespace tessera {

struct Config {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string data_dir = ".tessera-data";  // SQLite database and (later) the assetstore
  std::string web_root;                    // static pages; empty = built-in default

  uint64_t tile_cache_bytes = 0;     // 0 = default from memory
  uint64_t source_memory_bytes = 0;  // 0 = default from memory
  int max_sources = 0;               // 0 = default
  int max_open_files = 0;            // 0 = default from RLIMIT_NOFILE

  int io_threads = 0;  // 0 = number of cores
  int workers = 0;     // 0 = 2 x cores
  int max_queue = 4096;
  // Region-sized requests (regions, thumbnails, histograms, composited frames, IIIF regions)
  // run on workers of their own, so tiles never wait behind them; at most max_expensive are
  // queued or running at once, more get 503 + Retry-After while tiles keep flowing.
  int expensive_workers = 0;  // 0 = 2 x cores, as workers (TILED exports take two at most)
  int max_expensive = 64;
  uint64_t max_output_pixels = uint64_t{8192} * 8192;
  // Pixel bytes one such request may assemble (every level region, frame and resize it reads).
  uint64_t max_decoded_bytes = uint64_t{2} << 30;
  // Images with a side longer than max_image_side, or more levels or frames, are refused on open.
  int64_t max_image_side = int64_t{1} << 24;
  int max_levels = 32;
  int max_frames = 16384;
  // How long a file's stat (mtime, size: part of every cache key) is trusted before the file is
  // checked again. 0 checks on every request.
  int file_check_interval_ms = 1000;
  // A request must arrive (header and body) and a response must be taken by the client within
  // this many seconds of its start, or the connection is closed (idle keep-alive included).
  int request_timeout_s = 60;
  // A request's header fields (431 beyond) and body (413 beyond: an upload chunk is one body;
  // girder_client sends 64 MiB).
  uint64_t max_header_bytes = 16 * 1024;
  uint64_t max_body_bytes = uint64_t{128} << 20;
  // On SIGTERM/SIGINT: requests in flight get this long to finish (new connections are refused
  // at once, idle ones closed) before the server stops.
  int shutdown_grace_s = 10;
  // The multi-user promise (docs/cache.md#active-viewers): `protect` keeps every active viewer's
  // recent tiles and the sources being viewed; `lru` is plain least-recently-used.
  std::string tile_cache_policy = "protect";
  int active_window_s = 300;           // a viewer (and what it views) is active this long
  int viewer_working_set_tiles = 128;  // tiles held per active viewer
  LogLevel log_level = LogLevel::kInfo;

  // Data management (docs/operations.md#users-and-access).
  std::string assetstore_dir;  // uploads; empty = <data>/assetstore
  // The first start creates the admin user with this password; empty = a random one, printed
  // once on stdout.
  std::string admin_login = "admin";
  std::string admin_password;
  bool open_registration = false;  // anyone may create an account (POST /user)
  int token_days = 30;             // a login's token lifetime
  // Directories an admin may import from (server-side import); empty = none over REST (the
  // `tessera import` command, run by whoever owns the data directory, is not limited).
  std::vector<std::string> import_roots;
  int max_thumbnail_files = 10;     // persisted thumbnails per item (0 = never persist)
  uint64_t max_upload_bytes = 0;    // the largest file one upload may declare (0 = no limit)
  bool fast_password_hash = false;  // tests only (not a setting): the cheapest argon2id costs
  // Uploads: the default quota, what each non-admin user's files and uploads in progress may
  // total (0 = no quota; a user's own policy, PUT /user/{id}/quota, replaces it and binds admins
  // too); an upload (its declared size, then each chunk) must leave min-free-disk-bytes free on
  // the assetstore's file system, or it is refused with 507.
  uint64_t user_quota_bytes = 0;
  uint64_t min_free_disk_bytes = uint64_t{1} << 30;

  // --- The metadata database (docs/operations.md#postgresql)
  // Empty: SQLite in the data directory. Otherwise PostgreSQL: a postgresql:// URL or a libpq
  // keyword string ("host=/run/postgresql dbname=tessera").
  std::string database;
  int database_pool_size = 8;  // PostgreSQL connections per process (at most)
  // This node's name in job records (a restart interrupts only its own jobs); unique among the
  // nodes sharing a database. Empty = <host name>:<port>.
  std::string node_name;

  // --- Shared tile caches (docs/cache.md#shared-tile-caches) ---
  // `memory`: the in-process tile cache alone. `memcached` / `redis`: a shared tier several
  // nodes use, behind an in-process front tier of cache-front-bytes (0: the shared tier only).
  std::string cache_backend = "memory";
  std::vector<std::string> cache_servers;  // host:port or unix socket paths
  std::string cache_username;              // redis ACL user / memcached SASL user
  std::string cache_password;              // redis AUTH / memcached SASL
  std::string cache_namespace = "tessera";
  int cache_ttl_s = 0;  // 0: shared values do not expire
  int cache_timeout_ms = 100;
  uint64_t cache_front_bytes = uint64_t{256} << 20;   // at most tile-cache-bytes
  uint64_t cache_item_max_bytes = uint64_t{1} << 20;  // memcached's default item limit (-I)
  bool cache_shared_pixels = false;                   // decoded pixels go to the shared tier too
  // --- end shared tile caches ---

  // Fills the zero (auto) fields from the machine: memory size (cgroup limit aware), cores and
  // the open-file limit.
  void ResolveDefaults();
};

struct MachineInfo {
  uint64_t memory_bytes = 0;
  int cores = 1;
  uint64_t open_file_limit = 1024;  // soft RLIMIT_NOFILE
};
MachineInfo ReadMachineInfo();

// Raises the soft RLIMIT_NOFILE to the hard limit (as large_image does); returns the new soft.
uint64_t RaiseOpenFileLimit();

// Applies one setting by name ("port", "tile-cache-bytes", ...). InvalidArgument names the key.
Status ApplySetting(std::string_view key, std::string_view value, Config* config);
Status ApplyConfigFile(const std::string& path, Config* config);

// The setting names, for --help.
std::vector<std::string> SettingNames();

}  // namespace tessera
