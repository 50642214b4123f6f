// What the simulator records and how it reports it: every request (time, user, kind, URL,
// status, bytes, X-Cache, latency), every viewport (first request to last answer), the
// server's /api/v1/large_image/cache counters before and after, and the offline Belady / LRU
// hit ratios of the recorded tile trace (belady.h).
//
// Counters the server does not report (older servers have no `tilesource.activeEvictions` and
// no `viewers`; no `X-Cache` header) are shown as "n/a", never as zero.
//
// Thread-safety: plain data and pure functions; the caller merges per-thread records first.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace tessera::sim {

enum class Kind : uint8_t { kMeta, kTile, kScan, kThumb };
const char* KindName(Kind k);

constexpr int kScanUser = -1;
constexpr int kListerUser = -2;
std::string UserName(int user);  // "user-3", "scan", "lister"

struct Record {
  int64_t start_us = 0;  // since the run started (steady clock)
  int64_t latency_us = 0;
  int user = 0;
  Kind kind = Kind::kTile;
  int status = 0;  // 0: no response (see error)
  uint64_t bytes = 0;
  char x_cache = '-';  // 'h', 'm', '-' (no header)
  int viewport = -1;   // the user's viewport index, -1 outside one
  std::string url;
  std::string error;

  bool ok() const { return (status >= 200 && status < 300) || status == 304; }
};

struct ViewportRecord {
  int user = 0;
  int index = 0;
  std::string move;  // what led to it: start, pan, zoom-in, ...
  int64_t start_us = 0, end_us = 0;
  int requested = 0;          // tiles asked of the server
  int from_client_cache = 0;  // tiles the client already had
};

// The counters of GET /api/v1/large_image/cache that the report uses.
struct ServerCounters {
  bool fetched = false;
  std::optional<int64_t> opens, source_evictions, active_evictions;
  std::optional<int64_t> tile_hits, tile_misses, tile_evictions, tile_capacity;
  nlohmann::json viewers;  // null when absent
};
ServerCounters ParseCounters(const std::string& body);

struct RunInfo {
  std::string url;
  int users = 0;
  int slides = 0;  // viewed by users
  std::string scan_item;
  double duration_s = 0;
  uint64_t seed = 0;
  std::string viewport;  // "1280x800"
  int client_cache_tiles = 0;
  int connections = 0;
  double think_ms = 0;
  int moves = 0;  // per user, 0 = until the deadline
  int users_completed = 0;
};

struct ReportOptions {
  uint64_t capacity_bytes = 0;  // 0: the server's tileCache.maxsize
  uint64_t entry_overhead = 0;  // added to every item's size in the offline simulations
  bool per_user = true;         // print the per-user table
};

// Prints the report to `out`, and the key=value summary to `summary` when not null.
void WriteReport(const RunInfo& info, const std::vector<Record>& records,
                 const std::vector<ViewportRecord>& viewports, const ServerCounters& before,
                 const ServerCounters& after, const ReportOptions& options, std::ostream& out,
                 std::ostream* summary);

// One tab-separated line per request, sorted by start time, with a header line.
void WriteTrace(const std::vector<Record>& records, std::ostream& out);

}  // namespace tessera::sim
