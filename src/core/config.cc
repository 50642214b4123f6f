#include "core/config.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <thread>

#include "core/strings.h"

namespace tessera {

MachineInfo ReadMachineInfo() {
  MachineInfo m;
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGE_SIZE);
  m.memory_bytes = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * page : 8ULL << 30;
  // A cgroup (v2, then v1) limit below the machine's memory wins.
  for (const char* path :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(path);
    std::string v;
    if (in >> v) {
      if (auto n = ParseInt(v); n && *n > 0 && static_cast<uint64_t>(*n) < m.memory_bytes) {
        m.memory_bytes = static_cast<uint64_t>(*n);
      }
    }
  }
  m.cores = std::max(1u, std::thread::hardware_concurrency());
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) m.open_file_limit = rl.rlim_cur;
  return m;
}

uint64_t RaiseOpenFileLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) return raised.rlim_cur;
  }
  return rl.rlim_cur;
}

void Config::ResolveDefaults() {
  MachineInfo m = ReadMachineInfo();
  if (assetstore_dir.empty()) assetstore_dir = data_dir + "/assetstore";
  // The tile cache takes an eighth of memory (between 64 MiB and 16 GiB); sources' parsed
  // structures another sixteenth.
  if (tile_cache_bytes == 0) {
    tile_cache_bytes = std::clamp<uint64_t>(m.memory_bytes / 8, 64ULL << 20, 16ULL << 30);
  }
  if (source_memory_bytes == 0) {
    source_memory_bytes = std::clamp<uint64_t>(m.memory_bytes / 16, 64ULL << 20, 8ULL << 30);
  }
  // Open files: half of the descriptor limit for sources, the rest for sockets and the DB.
  if (max_open_files == 0) {
    max_open_files = static_cast<int>(std::clamp<uint64_t>(m.open_file_limit / 2, 16, 1 << 20));
  }
  if (max_sources == 0) max_sources = std::min(max_open_files, 1024);
  if (io_threads == 0) io_threads = m.cores;
  if (workers == 0) workers = 2 * m.cores;
  if (expensive_workers == 0) expensive_workers = 2 * m.cores;
}

namespace {

Status Bad(std::string_view key, std::string_view value, const char* what) {
  return InvalidArgumentError("invalid value '" + std::string(value) + "' for " + std::string(key) +
                              ": " + what);
}

StatusOr<int> PositiveInt(std::string_view key, std::string_view value, int min, int max) {
  auto v = ParseInt(value);
  if (!v || *v < min || *v > max) {
    return Bad(
        key, value,
        ("expected an integer from " + std::to_string(min) + " to " + std::to_string(max)).c_str());
  }
  return static_cast<int>(*v);
}

// --- Shared tile caches (docs/cache.md#shared-tile-caches) ---
Status ApplySharedCacheSetting(std::string_view key, std::string_view value, Config* c) {
  if (key == "cache-backend") {
    if (value != "memory" && value != "memcached" && value != "redis") {
      return Bad(key, value, "expected memory, memcached or redis");
    }
    c->cache_backend = std::string(value);
  } else if (key == "cache-servers") {
    c->cache_servers.clear();
    for (std::string_view part : Split(value, ',')) {
      part = Trim(part);
      if (part.empty()) continue;
      if (part.front() != '/' && part.rfind(':') == std::string_view::npos) {
        return Bad(key, value, "expected host:port or socket paths, comma-separated");
      }
      c->cache_servers.emplace_back(part);
    }
  } else if (key == "cache-username") {
    c->cache_username = std::string(value);
  } else if (key == "cache-password") {
    c->cache_password = std::string(value);
  } else if (key == "cache-namespace") {
    const bool ok = !value.empty() && value.size() <= 64 &&
                    std::all_of(value.begin(), value.end(), [](char ch) {
                      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' ||
                             ch == '.' || ch == '-';
                    });
    if (!ok) return Bad(key, value, "expected 1 to 64 of A-Z a-z 0-9 _ . -");
    c->cache_namespace = std::string(value);
  } else if (key == "cache-ttl-s") {
    TS_ASSIGN_OR_RETURN(c->cache_ttl_s, PositiveInt(key, value, 0, 30 * 24 * 3600));
  } else if (key == "cache-timeout-ms") {
    TS_ASSIGN_OR_RETURN(c->cache_timeout_ms, PositiveInt(key, value, 1, 60 * 1000));
  } else if (key == "cache-front-bytes" || key == "cache-item-max-bytes") {
    auto v = ParseByteSize(value);
    if (!v) return Bad(key, value, "expected a size such as 1048576, 512MiB or 2GiB");
    if (key == "cache-item-max-bytes") {
      if (*v < 1024) return Bad(key, value, "expected at least 1KiB");
      c->cache_item_max_bytes = *v;
    } else {
      c->cache_front_bytes = *v;
    }
  } else if (key == "cache-shared-pixels") {
    auto b = ParseBool(value);
    if (!b) return Bad(key, value, "expected true or false");
    c->cache_shared_pixels = *b;
  } else {
    return InvalidArgumentError("unknown setting '" + std::string(key) + "'");
  }
  return Status::Ok();
}
// --- end shared tile caches ---

}  // namespace

std::vector<std::string> SettingNames() {
  return {"host", "port", "data", "web-root", "tile-cache-bytes", "source-memory-bytes",
          "max-sources", "max-open-files", "io-threads", "workers", "max-queue",
          "expensive-workers", "max-expensive", "max-decoded-bytes", "max-image-side", "max-levels",
          "max-frames", "max-header-bytes", "max-body-bytes", "max-output-pixels",
          "request-timeout-s", "shutdown-grace-s", "tile-cache-policy", "active-window-s",
          "viewer-working-set-tiles", "log-level", "assetstore", "admin-login", "admin-password",
          "open-registration", "token-days", "import-roots", "max-thumbnail-files",
          "max-upload-bytes", "cache-backend", "cache-servers", "cache-username", "cache-password",
          "cache-namespace", "cache-ttl-s", "cache-timeout-ms", "cache-front-bytes",
          "cache-item-max-bytes", "cache-shared-pixels",
          // the metadata database, and this node's name in it
          "database", "database-pool-size", "node-name",
          // uploads: the per-user quota and the assetstore's free-space reserve
          "user-quota-bytes", "min-free-disk-bytes"};
}

Status ApplySetting(std::string_view key, std::string_view value, Config* c) {
  value = Trim(value);
  if (key == "host") {
    c->host = std::string(value);
  } else if (key == "port") {
    TS_ASSIGN_OR_RETURN(c->port, PositiveInt(key, value, 0, 65535));
  } else if (key == "data") {
    c->data_dir = std::string(value);
  } else if (key == "web-root") {
    c->web_root = std::string(value);
  } else if (key == "tile-cache-bytes" || key == "source-memory-bytes" ||
             key == "max-output-pixels" || key == "max-decoded-bytes") {
    auto v = ParseByteSize(value);
    if (!v) return Bad(key, value, "expected a size such as 1073741824, 512MiB or 2GiB");
    if (key == "tile-cache-bytes")
      c->tile_cache_bytes = *v;
    else if (key == "source-memory-bytes")
      c->source_memory_bytes = *v;
    else if (key == "max-decoded-bytes")
      c->max_decoded_bytes = *v;
    else
      c->max_output_pixels = *v;
  } else if (key == "max-sources") {
    TS_ASSIGN_OR_RETURN(c->max_sources, PositiveInt(key, value, 1, 1 << 20));
  } else if (key == "max-open-files") {
    TS_ASSIGN_OR_RETURN(c->max_open_files, PositiveInt(key, value, 1, 1 << 24));
  } else if (key == "io-threads") {
    TS_ASSIGN_OR_RETURN(c->io_threads, PositiveInt(key, value, 1, 256));
  } else if (key == "workers") {
    TS_ASSIGN_OR_RETURN(c->workers, PositiveInt(key, value, 1, 1024));
  } else if (key == "max-queue") {
    TS_ASSIGN_OR_RETURN(c->max_queue, PositiveInt(key, value, 1, 1 << 24));
  } else if (key == "expensive-workers") {
    TS_ASSIGN_OR_RETURN(c->expensive_workers, PositiveInt(key, value, 1, 1024));
  } else if (key == "max-expensive") {
    TS_ASSIGN_OR_RETURN(c->max_expensive, PositiveInt(key, value, 1, 1 << 20));
  } else if (key == "max-image-side") {
    // Lower only: 2^24 pixels per side is what the readers' arithmetic is built for.
    TS_ASSIGN_OR_RETURN(c->max_image_side, PositiveInt(key, value, 1, 1 << 24));
  } else if (key == "max-header-bytes" || key == "max-body-bytes") {
    auto v = ParseByteSize(value);
    const bool header = key == "max-header-bytes";
    // Beast's header limit is 32-bit; below 1 KiB no ordinary request would fit.
    const uint64_t most = header ? (uint64_t{1} << 31) : (uint64_t{1} << 62);
    if (!v || *v < 1024 || *v > most) {
      return Bad(key, value,
                 header ? "expected a size from 1KiB to 2GiB, such as 16KiB"
                        : "expected a size of at least 1KiB, such as 128MiB");
    }
    (header ? c->max_header_bytes : c->max_body_bytes) = *v;
  } else if (key == "max-levels") {
    TS_ASSIGN_OR_RETURN(c->max_levels, PositiveInt(key, value, 1, 64));
  } else if (key == "max-frames") {
    TS_ASSIGN_OR_RETURN(c->max_frames, PositiveInt(key, value, 1, 1 << 20));
  } else if (key == "file-check-interval-ms") {
    TS_ASSIGN_OR_RETURN(c->file_check_interval_ms, PositiveInt(key, value, 0, 3600 * 1000));
  } else if (key == "tile-cache-policy") {
    if (value != "protect" && value != "lru") return Bad(key, value, "expected protect or lru");
    c->tile_cache_policy = std::string(value);
  } else if (key == "active-window-s") {
    TS_ASSIGN_OR_RETURN(c->active_window_s, PositiveInt(key, value, 1, 7 * 24 * 3600));
  } else if (key == "viewer-working-set-tiles") {
    TS_ASSIGN_OR_RETURN(c->viewer_working_set_tiles, PositiveInt(key, value, 0, 1 << 20));
  } else if (key == "request-timeout-s") {
    TS_ASSIGN_OR_RETURN(c->request_timeout_s, PositiveInt(key, value, 1, 24 * 3600));
  } else if (key == "shutdown-grace-s") {
    TS_ASSIGN_OR_RETURN(c->shutdown_grace_s, PositiveInt(key, value, 0, 3600));
  } else if (key == "assetstore") {
    c->assetstore_dir = std::string(value);
  } else if (key == "admin-login") {
    if (value.empty()) return Bad(key, value, "expected a login");
    c->admin_login = ToLower(value);
  } else if (key == "admin-password") {
    c->admin_password = std::string(value);
  } else if (key == "open-registration") {
    auto b = ParseBool(value);
    if (!b) return Bad(key, value, "expected true or false");
    c->open_registration = *b;
  } else if (key == "token-days") {
    TS_ASSIGN_OR_RETURN(c->token_days, PositiveInt(key, value, 1, 3650));
  } else if (key == "import-roots") {
    // Colon-separated absolute directories, as PATH.
    c->import_roots.clear();
    for (std::string_view part : Split(value, ':')) {
      if (part.empty()) continue;
      if (part.front() != '/') return Bad(key, value, "expected absolute directories");
      c->import_roots.emplace_back(part);
    }
  } else if (key == "max-thumbnail-files") {
    TS_ASSIGN_OR_RETURN(c->max_thumbnail_files, PositiveInt(key, value, 0, 1000));
  } else if (key == "max-upload-bytes") {
    auto v = ParseByteSize(value);
    if (!v) return Bad(key, value, "expected a size such as 0 (no limit), 512MiB or 20GiB");
    c->max_upload_bytes = *v;
  } else if (key == "user-quota-bytes" || key == "min-free-disk-bytes") {
    auto v = ParseByteSize(value);
    if (!v) return Bad(key, value, "expected a size such as 0, 512MiB or 20GiB");
    (key == "user-quota-bytes" ? c->user_quota_bytes : c->min_free_disk_bytes) = *v;
  } else if (key == "database") {  // the metadata database: empty = SQLite, else PostgreSQL
    c->database = std::string(value);
  } else if (key == "database-pool-size") {
    TS_ASSIGN_OR_RETURN(c->database_pool_size, PositiveInt(key, value, 1, 1000));
  } else if (key == "node-name") {
    c->node_name = std::string(value);
  } else if (key == "log-level") {
    if (!ParseLogLevel(value, &c->log_level)) {
      return Bad(key, value, "expected debug, info, warning, error or off");
    }
  } else if (key.rfind("cache-", 0) == 0) {  // shared tile caches
    return ApplySharedCacheSetting(key, value, c);
  } else {
    return InvalidArgumentError("unknown setting '" + std::string(key) + "'");
  }
  return Status::Ok();
}

Status ApplyConfigFile(const std::string& path, Config* c) {
  std::ifstream in(path);
  if (!in) return NotFoundError("cannot read config file " + path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string_view l = Trim(line);
    if (l.empty() || l.front() == '#') continue;
    size_t eq = l.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgumentError(path + ":" + std::to_string(n) + ": expected key = value");
    }
    Status s = ApplySetting(Trim(l.substr(0, eq)), Trim(l.substr(eq + 1)), c);
    if (!s.ok()) return s.WithContext(path + ":" + std::to_string(n));
  }
  return Status::Ok();
}

}  // namespace tessera
