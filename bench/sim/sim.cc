// tessera_sim: a multi-user viewing load against a large_image-compatible tile server, with the
// offline optimum of the tile cache for the traffic it produced.
//
// N simulated users (viewer.h, session.h) each open a slide, start at its overview and
// repeatedly fetch the tiles of their viewport that their own client cache lacks, over
// --connections keep-alive connections per user as a browser does; think; then pan, zoom, jump
// or open another slide. A scan job reads every tile of one slide nobody views, in order, at
// full speed; a lister fetches every slide's thumbnail every few seconds; each on its own
// connection with its own Girder-Token (user-<n>, scan, lister). Decisions come from per-user
// seeded RNGs only, so two runs against two servers replay the same per-user sequences (with
// --moves and no deadline hit, exactly the same requests). The report (report.h) gives hit
// ratios from X-Cache, viewport latencies, the server's counters and the offline optimum.
//
// Exit status: 0 when every request answered 2xx/304; 1 when any failed, no tile was
// requested, or the server's cache counters did not answer; 2 on bad usage.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "session.h"

namespace tessera::sim {
namespace {

constexpr char kUsage[] =
    "usage: tessera_sim --url URL (--items FILE | --item ID...) [options]\n"
    "\n"
    "  --url URL               server, e.g. http://127.0.0.1:8080 (the line `tessera serve`\n"
    "                          prints)\n"
    "  --items FILE            item ids, one per line (first word; '#' comments)\n"
    "  --item ID               an item id (repeatable)\n"
    "  --scan-item ID|none     the slide the scan job reads (never viewed by users); default:\n"
    "                          the last item listed when there are at least two\n"
    "  --users N               simulated users (50)\n"
    "  --duration-s S          stop users after S seconds (60; 0: only --moves)\n"
    "  --moves N               moves per user after the first viewport (0: until the deadline);\n"
    "                          with a generous --duration-s, every run replays the same requests\n"
    "  --seed N                run seed (1); user n's RNG is derived from it\n"
    "  --viewport WxH          window size in screen pixels (1280x800)\n"
    "  --client-cache-tiles N  tiles each user's browser keeps (200, OpenSeadragon's default)\n"
    "  --connections N         parallel keep-alive connections per user (6, like a browser)\n"
    "  --think-ms MS           mean think time between moves (1000; exponential, capped 4x)\n"
    "  --ramp-s S              users start at seeded random offsets within S seconds (2)\n"
    "  --scan-rate N           scan job tiles/s (0: full speed)\n"
    "  --thumb-interval-s S    lister period (5; 0: no lister)\n"
    "  --capacity-bytes N      cache size for the offline simulations (the server's\n"
    "                          tileCache.maxsize)\n"
    "  --entry-overhead N      bytes added to each item in the offline simulations (0)\n"
    "  --timeout-s S           per-request timeout (60)\n"
    "  --login LOGIN:PASSWORD  log each viewer in once (its own token); default: the viewer's\n"
    "                          name is sent as Girder-Token (servers without users)\n"
    "  --trace FILE            write every request as TSV\n"
    "  --summary FILE          write the key=value summary (for scripts)\n"
    "  --no-per-user           omit the per-user table\n";

int Usage(const std::string& message) {
  std::cerr << "tessera_sim: " << message << "\n" << kUsage;
  return 2;
}

bool ToNumber(const std::string& s, double* out) {
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return !s.empty() && end && *end == '\0' && *out >= 0;
}

// Parses argv into *o; returns an error message, empty when fine.
std::string Parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i], value;
    if (flag == "-h" || flag == "--help") return "help";
    if (flag == "--no-per-user") {
      o->per_user = false;
      continue;
    }
    const size_t eq = flag.find('=');
    if (eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return flag + " needs a value";
    }
    double n = 0;
    const bool numeric = ToNumber(value, &n);
    if (flag == "--url") {
      o->url = value;
    } else if (flag == "--item") {
      o->items.push_back(value);
    } else if (flag == "--items") {
      std::ifstream in(value);
      if (!in) return "cannot read " + value;
      for (std::string line; std::getline(in, line);) {
        const size_t start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == '#') continue;
        o->items.push_back(line.substr(start, line.find_first_of(" \t", start) - start));
      }
    } else if (flag == "--scan-item") {
      o->scan_item = value;
    } else if (flag == "--viewport") {
      if (std::sscanf(value.c_str(), "%dx%d", &o->width, &o->height) != 2 || o->width < 1 ||
          o->height < 1)
        return "--viewport expects WxH, e.g. 1280x800";
    } else if (flag == "--login") {
      o->login = value;
    } else if (flag == "--trace") {
      o->trace = value;
    } else if (flag == "--summary") {
      o->summary = value;
    } else if (!numeric) {
      return flag + ": unknown option, or not a number >= 0: " + value;
    } else if (flag == "--users") {
      o->users = static_cast<int>(n);
    } else if (flag == "--duration-s") {
      o->duration_s = n;
    } else if (flag == "--moves") {
      o->moves = static_cast<int>(n);
    } else if (flag == "--seed") {
      o->seed = std::strtoull(value.c_str(), nullptr, 10);
    } else if (flag == "--client-cache-tiles") {
      o->client_cache_tiles = static_cast<int>(n);
    } else if (flag == "--connections") {
      o->connections = std::max(1, static_cast<int>(n));
    } else if (flag == "--think-ms") {
      o->think_ms = n;
    } else if (flag == "--ramp-s") {
      o->ramp_s = n;
    } else if (flag == "--scan-rate") {
      o->scan_rate = n;
    } else if (flag == "--thumb-interval-s") {
      o->thumb_interval_s = n;
    } else if (flag == "--capacity-bytes") {
      o->capacity_bytes = static_cast<uint64_t>(n);
    } else if (flag == "--entry-overhead") {
      o->entry_overhead = static_cast<uint64_t>(n);
    } else if (flag == "--timeout-s") {
      o->timeout_s = std::max(0.1, n);
    } else {
      return "unknown option " + flag;
    }
  }
  if (o->url.empty()) return "--url is required";
  if (o->items.empty()) return "no items (--items FILE or --item ID)";
  if (o->users < 1) return "--users must be at least 1";
  if (o->duration_s == 0 && o->moves == 0) return "--duration-s 0 needs --moves";
  return "";
}

// Runs a job; an exception (e.g. no thread for a helper connection) becomes a failed request
// in its records instead of terminating the process.
template <typename F>
void Guarded(int user, std::vector<Record>* records, F job) {
  try {
    job();
  } catch (const std::exception& e) {
    Record r;
    r.user = user;
    r.url = "(job)";
    r.error = std::string("exception: ") + e.what();
    records->push_back(std::move(r));
  }
}

int Main(int argc, char** argv) {
  Options o;
  if (std::string error = Parse(argc, argv, &o); !error.empty()) {
    if (error == "help") {
      std::cout << kUsage;
      return 0;
    }
    return Usage(error);
  }
  auto server = ParseServerUrl(o.url);
  if (!server.ok()) return Usage(server.status().message());
  std::string scan = o.scan_item;
  if (scan == "auto") scan = o.items.size() >= 2 ? o.items.back() : "";
  if (scan == "none") scan.clear();
  std::vector<std::string> slides;
  for (const std::string& id : o.items) {
    if (id != scan) slides.push_back(id);
  }
  if (slides.empty()) return Usage("every item is the scan item: nothing left to view");

  const ServerCounters before = FetchCounters(*server);
  if (!before.fetched) {
    std::cerr << "tessera_sim: " << o.url << "/api/v1/large_image/cache did not answer JSON\n";
    return 1;
  }
  Run run(o, *server);
  std::vector<UserResult> users(o.users);
  std::vector<Record> scan_records, lister_records;
  std::vector<std::jthread> background;
  struct StopOnExit {  // destroyed before `background`: its threads end, even on an exception
    Run& run;
    ~StopOnExit() { run.Stop(); }
  } stop_on_exit{run};
  if (!scan.empty()) {
    background.emplace_back(
        [&] { Guarded(kScanUser, &scan_records, [&] { RunScan(run, scan, &scan_records); }); });
  }
  if (o.thumb_interval_s > 0) {
    background.emplace_back([&] {
      Guarded(kListerUser, &lister_records, [&] { RunLister(run, o.items, &lister_records); });
    });
  }
  {
    std::vector<std::jthread> threads;
    for (int u = 0; u < o.users; ++u) {
      threads.emplace_back(
          [&, u] { Guarded(u, &users[u].records, [&] { RunUser(run, u, slides, &users[u]); }); });
    }
  }
  const double elapsed_s = run.NowUs() / 1e6;
  run.Stop();
  background.clear();  // joins
  const ServerCounters after = FetchCounters(*server);

  std::vector<Record> records = std::move(scan_records);
  records.insert(records.end(), std::make_move_iterator(lister_records.begin()),
                 std::make_move_iterator(lister_records.end()));
  std::vector<ViewportRecord> viewports;
  RunInfo info;
  for (UserResult& u : users) {
    records.insert(records.end(), std::make_move_iterator(u.records.begin()),
                   std::make_move_iterator(u.records.end()));
    viewports.insert(viewports.end(), u.viewports.begin(), u.viewports.end());
    info.users_completed += u.completed;
  }
  info.url = o.url;
  info.users = o.users;
  info.slides = static_cast<int>(slides.size());
  info.scan_item = scan;
  info.duration_s = elapsed_s;
  info.seed = o.seed;
  info.viewport = std::to_string(o.width) + "x" + std::to_string(o.height);
  info.client_cache_tiles = o.client_cache_tiles;
  info.connections = o.connections;
  info.think_ms = o.think_ms;
  info.moves = o.moves;
  ReportOptions ro;
  ro.capacity_bytes = o.capacity_bytes;
  ro.entry_overhead = o.entry_overhead;
  ro.per_user = o.per_user;
  std::ofstream summary;
  if (!o.summary.empty()) summary.open(o.summary);
  WriteReport(info, records, viewports, before, after, ro, std::cout,
              summary.is_open() ? &summary : nullptr);
  if (!o.trace.empty()) {
    std::ofstream trace(o.trace);
    WriteTrace(records, trace);
  }
  const bool any_tile = std::any_of(records.begin(), records.end(),
                                    [](const Record& r) { return r.kind == Kind::kTile; });
  const bool failed =
      std::any_of(records.begin(), records.end(), [](const Record& r) { return !r.ok(); });
  if (failed) std::cerr << "tessera_sim: FAILED: some requests did not answer 2xx/304\n";
  if (!any_tile) std::cerr << "tessera_sim: FAILED: no tile was requested\n";
  if (!after.fetched) std::cerr << "tessera_sim: FAILED: the cache counters did not answer\n";
  return failed || !any_tile || !after.fetched ? 1 : 0;
}

}  // namespace
}  // namespace tessera::sim

int main(int argc, char** argv) {
  try {
    return tessera::sim::Main(argc, argv);
  } catch (const std::exception& e) {  // e.g. std::system_error from std::thread
    std::cerr << "tessera_sim: " << e.what() << "\n";
    return 1;
  }
}
