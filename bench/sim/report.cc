#include "report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "belady.h"

namespace tessera::sim {
namespace {

using Json = nlohmann::json;

std::optional<int64_t> Num(const Json& j, const char* section, const char* key) {
  if (!j.is_object() || !j.contains(section) || !j[section].is_object()) return std::nullopt;
  const Json& s = j[section];
  if (!s.contains(key) || !s[key].is_number()) return std::nullopt;
  return s[key].get<int64_t>();
}

std::string Fixed(double v, int digits = 1) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

std::string Ratio(uint64_t hits, uint64_t total) {  // "73.2%" or "n/a"
  return total ? Fixed(100.0 * hits / total) + "%" : "n/a";
}

std::string RatioValue(uint64_t hits, uint64_t total) {  // 0.732143 or n/a, for the summary
  return total ? Fixed(static_cast<double>(hits) / total, 6) : "n/a";
}

std::string Opt(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "n/a"; }

std::optional<int64_t> Delta(const std::optional<int64_t>& a, const std::optional<int64_t>& b) {
  if (!a || !b) return std::nullopt;
  return *b - *a;
}

// Nearest rank; v is sorted.
double Percentile(const std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p * v.size()));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

struct UserStats {
  int opens = 0;
  int viewports = 0;  // with at least one request
  uint64_t tiles = 0, hits = 0, misses = 0, bytes = 0;
  int errors = 0;
  std::vector<double> viewport_ms;
};

}  // namespace

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kMeta:
      return "meta";
    case Kind::kTile:
      return "tile";
    case Kind::kScan:
      return "scan";
    case Kind::kThumb:
      return "thumb";
  }
  return "?";
}

std::string UserName(int user) {
  if (user == kScanUser) return "scan";
  if (user == kListerUser) return "lister";
  return "user-" + std::to_string(user);
}

ServerCounters ParseCounters(const std::string& body) {
  ServerCounters c;
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return c;
  c.fetched = true;
  c.opens = Num(j, "tilesource", "opens");
  c.source_evictions = Num(j, "tilesource", "evictions");
  c.active_evictions = Num(j, "tilesource", "activeEvictions");
  c.tile_hits = Num(j, "tileCache", "hits");
  c.tile_misses = Num(j, "tileCache", "misses");
  c.tile_evictions = Num(j, "tileCache", "evictions");
  c.tile_capacity = Num(j, "tileCache", "maxsize");
  if (j.contains("viewers") && j["viewers"].is_object()) c.viewers = j["viewers"];
  return c;
}

void WriteReport(const RunInfo& info, const std::vector<Record>& records,
                 const std::vector<ViewportRecord>& viewports, const ServerCounters& before,
                 const ServerCounters& after, const ReportOptions& options, std::ostream& out,
                 std::ostream* summary) {
  std::vector<UserStats> users(info.users);
  uint64_t scan = 0, scan_hits = 0, scan_misses = 0, thumbs = 0, metas = 0;
  int errors = 0;
  std::vector<const Record*> failed;
  for (const Record& r : records) {
    if (!r.ok()) {
      ++errors;
      if (failed.size() < 10) failed.push_back(&r);
    }
    if (r.kind == Kind::kScan) {
      ++scan;
      scan_hits += r.x_cache == 'h';
      scan_misses += r.x_cache == 'm';
    }
    thumbs += r.kind == Kind::kThumb;
    metas += r.kind == Kind::kMeta;
    if (r.user < 0 || r.user >= info.users) continue;
    UserStats& u = users[r.user];
    if (!r.ok()) ++u.errors;
    if (r.kind == Kind::kMeta) ++u.opens;
    if (r.kind != Kind::kTile) continue;
    ++u.tiles;
    u.bytes += r.bytes;
    u.hits += r.x_cache == 'h';
    u.misses += r.x_cache == 'm';
  }
  std::vector<double> all_ms;
  for (const ViewportRecord& v : viewports) {
    if (v.requested == 0 || v.user < 0 || v.user >= info.users) continue;
    const double ms = (v.end_us - v.start_us) / 1000.0;
    users[v.user].viewport_ms.push_back(ms);
    ++users[v.user].viewports;
    all_ms.push_back(ms);
  }
  std::sort(all_ms.begin(), all_ms.end());
  uint64_t tiles = 0, hits = 0, misses = 0;
  int worst = -1;
  double worst_ratio = 2;
  for (int i = 0; i < info.users; ++i) {
    UserStats& u = users[i];
    std::sort(u.viewport_ms.begin(), u.viewport_ms.end());
    tiles += u.tiles;
    hits += u.hits;
    misses += u.misses;
    if (u.hits + u.misses == 0) continue;
    const double ratio = static_cast<double>(u.hits) / (u.hits + u.misses);
    if (ratio < worst_ratio) {
      worst_ratio = ratio;
      worst = i;
    }
  }
  const bool have_x_cache = hits + misses > 0;

  out << "tessera_sim: " << info.url << ", " << info.users << " users on " << info.slides
      << " slides, scan of " << (info.scan_item.empty() ? "nothing" : info.scan_item) << ", "
      << Fixed(info.duration_s) << " s, seed " << info.seed << ", viewport " << info.viewport
      << ", client cache " << info.client_cache_tiles << " tiles, " << info.connections
      << " connections per user, think " << Fixed(info.think_ms, 0) << " ms, moves "
      << (info.moves ? std::to_string(info.moves) : std::string("until the deadline")) << " ("
      << info.users_completed << " of " << info.users << " users completed them)\n";
  if (options.per_user) {
    out << "\nuser        opens viewports  tiles   hit%  p50 ms  p99 ms errors\n";
    for (int i = 0; i < info.users; ++i) {
      const UserStats& u = users[i];
      char line[160];
      std::snprintf(line, sizeof(line), "%-10s %6d %9d %6llu %6s %7.1f %7.1f %6d\n",
                    UserName(i).c_str(), u.opens, u.viewports,
                    static_cast<unsigned long long>(u.tiles),
                    Ratio(u.hits, u.hits + u.misses).c_str(), Percentile(u.viewport_ms, 0.5),
                    Percentile(u.viewport_ms, 0.99), u.errors);
      out << line;
    }
  }
  out << "\nusers: " << tiles << " tile requests, hit ratio (X-Cache) "
      << (have_x_cache ? Ratio(hits, hits + misses) : "n/a (no X-Cache header)");
  if (have_x_cache && tiles != hits + misses) out << " [" << tiles - hits - misses << " without]";
  if (worst >= 0) {
    out << ", worst " << UserName(worst) << " "
        << Ratio(users[worst].hits, users[worst].hits + users[worst].misses);
  }
  out << "\nviewport completion (first request to last answer, " << all_ms.size()
      << " viewports that requested tiles): p50 " << Fixed(Percentile(all_ms, 0.5)) << " ms, p99 "
      << Fixed(Percentile(all_ms, 0.99)) << " ms\n";
  out << "background: scan " << scan << " tiles (hit ratio "
      << (scan_hits + scan_misses ? Ratio(scan_hits, scan_hits + scan_misses) : "n/a") << "), "
      << thumbs << " thumbnails, " << metas << " metadata requests\n";
  out << "errors: " << errors << " of " << records.size() << " requests\n";
  for (const Record* r : failed) {
    out << "  " << UserName(r->user) << " " << r->url << ": "
        << (r->status ? "HTTP " + std::to_string(r->status) : r->error) << "\n";
  }

  // Server counters.
  const auto opens = Delta(before.opens, after.opens);
  const auto src_ev = Delta(before.source_evictions, after.source_evictions);
  const auto active_ev = Delta(before.active_evictions, after.active_evictions);
  const auto t_hits = Delta(before.tile_hits, after.tile_hits);
  const auto t_misses = Delta(before.tile_misses, after.tile_misses);
  const auto t_ev = Delta(before.tile_evictions, after.tile_evictions);
  out << "\nserver counters (before -> after: delta)"
      << (after.fetched ? "" : ": the cache endpoint did not answer") << "\n";
  auto row = [&](const char* name, const std::optional<int64_t>& a, const std::optional<int64_t>& b,
                 const std::optional<int64_t>& d, const char* absent) {
    out << "  " << name << ": ";
    if (!d) {
      out << "n/a (" << absent << ")\n";
    } else {
      out << *a << " -> " << *b << ": " << *d << "\n";
    }
  };
  row("tilesource.opens", before.opens, after.opens, opens, "not reported");
  row("tilesource.evictions", before.source_evictions, after.source_evictions, src_ev,
      "not reported");
  row("tilesource.activeEvictions", before.active_evictions, after.active_evictions, active_ev,
      "this server does not report it");
  row("tileCache.hits", before.tile_hits, after.tile_hits, t_hits, "not reported");
  row("tileCache.misses", before.tile_misses, after.tile_misses, t_misses, "not reported");
  row("tileCache.evictions", before.tile_evictions, after.tile_evictions, t_ev, "not reported");
  out << "  viewers: "
      << (after.viewers.is_null() ? std::string("n/a (this server does not report them)")
                                  : after.viewers.dump())
      << "\n";

  // Offline optimum over the tile-cache traffic as the server received it.
  std::vector<const Record*> order;
  for (const Record& r : records) {
    if (r.ok() && r.kind != Kind::kMeta) order.push_back(&r);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const Record* a, const Record* b) { return a->start_us < b->start_us; });
  std::vector<TraceRequest> trace, users_only;
  std::vector<bool> user_tiles;
  trace.reserve(order.size());
  for (const Record* r : order) {
    trace.push_back({r->url, r->bytes + options.entry_overhead});
    user_tiles.push_back(r->kind == Kind::kTile && r->user >= 0);
    if (user_tiles.back()) users_only.push_back(trace.back());
  }
  uint64_t capacity = options.capacity_bytes;
  const char* capacity_from = "--capacity-bytes";
  if (capacity == 0 && after.tile_capacity) {
    capacity = static_cast<uint64_t>(*after.tile_capacity);
    capacity_from = "the server's tileCache.maxsize";
  }
  const CacheSimResult belady = SimulateBelady(trace, capacity);
  const CacheSimResult lru = SimulateLru(trace, capacity);
  const double b_users = belady.HitRatioOf(user_tiles), l_users = lru.HitRatioOf(user_tiles);
  // The whole cache for the users' tiles (scan and thumbnails never cached): with equal sizes,
  // no policy gives the users more hits on this trace.
  const double b_users_only = SimulateBelady(users_only, capacity).HitRatio();
  out << "\noffline, " << trace.size()
      << " requests (user tiles, scan tiles, thumbnails; URL = key, body size = item size"
      << (options.entry_overhead ? " + " + std::to_string(options.entry_overhead) : "")
      << ") in the order sent, capacity " << capacity << " bytes (" << capacity_from << "):\n"
      << "  Belady (MIN): users " << Fixed(100 * b_users) << "%, all "
      << Fixed(100 * belady.HitRatio()) << "%\n"
      << "  Belady, the cache for users' tiles only (scan and thumbnails bypassed): users "
      << Fixed(100 * b_users_only) << "%\n"
      << "  LRU:          users " << Fixed(100 * l_users) << "%, all "
      << Fixed(100 * lru.HitRatio()) << "%\n"
      << "  server:       users "
      << (have_x_cache ? Ratio(hits, hits + misses) : std::string("n/a")) << " (X-Cache)";
  if (t_hits && t_misses) {
    out << ", tileCache lookups " << Ratio(*t_hits, *t_hits + *t_misses)
        << " (counts every lookup, not requests)";
  }
  out << "\n";

  if (!summary) return;
  std::ostream& s = *summary;
  s << "users=" << info.users << "\nslides=" << info.slides
    << "\nduration_s=" << Fixed(info.duration_s) << "\nmoves=" << info.moves
    << "\nusers_completed=" << info.users_completed << "\nrequests=" << records.size()
    << "\nerrors=" << errors << "\ntile_requests=" << tiles << "\ntile_hits=" << hits
    << "\ntile_misses=" << misses
    << "\nhit_ratio=" << (have_x_cache ? RatioValue(hits, hits + misses) : "n/a")
    << "\nworst_user=" << (worst >= 0 ? UserName(worst) : "n/a") << "\nworst_hit_ratio="
    << (worst >= 0 ? RatioValue(users[worst].hits, users[worst].hits + users[worst].misses) : "n/a")
    << "\nviewports=" << all_ms.size() << "\nviewport_p50_ms=" << Fixed(Percentile(all_ms, 0.5))
    << "\nviewport_p99_ms=" << Fixed(Percentile(all_ms, 0.99)) << "\nscan_tiles=" << scan
    << "\nthumbnails=" << thumbs << "\nsource_opens=" << Opt(opens)
    << "\nsource_evictions=" << Opt(src_ev) << "\nactive_evictions=" << Opt(active_ev)
    << "\ntile_cache_hits=" << Opt(t_hits) << "\ntile_cache_misses=" << Opt(t_misses)
    << "\ntile_evictions=" << Opt(t_ev)
    << "\nviewers=" << (after.viewers.is_null() ? "n/a" : after.viewers.dump())
    << "\ncapacity_bytes=" << capacity << "\ntrace_requests=" << trace.size()
    << "\nbelady_users=" << Fixed(b_users, 6) << "\nbelady_users_only=" << Fixed(b_users_only, 6)
    << "\nbelady_all=" << Fixed(belady.HitRatio(), 6) << "\nlru_users=" << Fixed(l_users, 6)
    << "\nlru_all=" << Fixed(lru.HitRatio(), 6) << "\n";
}

void WriteTrace(const std::vector<Record>& records, std::ostream& out) {
  std::vector<const Record*> order;
  order.reserve(records.size());
  for (const Record& r : records) order.push_back(&r);
  std::stable_sort(order.begin(), order.end(),
                   [](const Record* a, const Record* b) { return a->start_us < b->start_us; });
  out << "start_us\tuser\tkind\tstatus\tbytes\tx_cache\tlatency_us\tviewport\turl\n";
  for (const Record* r : order) {
    out << r->start_us << '\t' << UserName(r->user) << '\t' << KindName(r->kind) << '\t'
        << r->status << '\t' << r->bytes << '\t' << r->x_cache << '\t' << r->latency_us << '\t'
        << r->viewport << '\t' << r->url << '\n';
  }
}

}  // namespace tessera::sim
