// The simulator's jobs: simulated users, the scan job and the thumbnail lister, and the shared
// state of one run (clock origin, server, deadline, stop signal).
//
// A user (viewer.h) opens a slide (metadata request), then for each viewport requests the tiles
// its client cache lacks over `connections` keep-alive connections (each connection takes the
// next tile, nearest the centre first, when it is free; the first connection is the user's own
// thread, the others are helper threads for the viewport), records the viewport from its first
// request to its last answer, thinks, and moves. A user stops after --moves moves, at the
// deadline, or at its first failed request. The scan job and the lister run on their own
// connection each until Run::Stop().
//
// Thread-safety: Run is shared by all jobs (its methods are safe to call concurrently); each job
// writes only its own output vectors, which the caller reads after joining it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http_client.h"
#include "report.h"

namespace tessera::sim {

struct Options {
  std::string url;
  std::vector<std::string> items;
  std::string scan_item = "auto";
  int users = 50;
  double duration_s = 60;
  int moves = 0;
  uint64_t seed = 1;
  int width = 1280, height = 800;
  int client_cache_tiles = 200;
  int connections = 6;
  double think_ms = 1000;
  double ramp_s = 2;
  double scan_rate = 0;
  double thumb_interval_s = 5;
  uint64_t capacity_bytes = 0;
  uint64_t entry_overhead = 0;
  double timeout_s = 60;
  // login:password: each simulated viewer logs in once and uses its own real token; empty:
  // the viewer's name is sent as the token (servers without users).
  std::string login;
  std::string trace, summary;
  bool per_user = true;
};

class Run {
 public:
  Run(const Options& o, ServerUrl server) : o_(o), server_(std::move(server)) {}

  const Options& options() const { return o_; }
  int64_t NowUs() const;
  bool PastDeadline() const;
  // A connection for viewer `name` with its token (one login per name, see Options::login).
  std::unique_ptr<HttpConnection> Connect(const std::string& name);
  // One GET on `c`, timed and recorded; the body is kept when `body` is not null.
  Record Fetch(HttpConnection& c, int user, Kind kind, const std::string& url, int viewport,
               std::string* body = nullptr) const;
  // Sleeps up to `d`; false when the run is stopping.
  bool Sleep(std::chrono::microseconds d);
  void Stop();
  bool stopping();

 private:
  const Options& o_;
  const ServerUrl server_;
  const std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                          // guarded by mu_
  std::map<std::string, std::string> tokens_;  // viewer name -> token, guarded by mu_
};

struct UserResult {
  std::vector<Record> records;
  std::vector<ViewportRecord> viewports;
  bool completed = false;  // made all --moves moves
};

// User `user` viewing `slides` (item ids; the viewer picks among them).
void RunUser(Run& run, int user, const std::vector<std::string>& slides, UserResult* out);
// Every tile of slide `id`, full resolution first, row by row; again from the start when done.
void RunScan(Run& run, const std::string& id, std::vector<Record>* out);
// The thumbnail of every item, every --thumb-interval-s.
void RunLister(Run& run, const std::vector<std::string>& items, std::vector<Record>* out);

// GET /api/v1/large_image/cache; `fetched` is false when it did not answer 200 with JSON.
ServerCounters FetchCounters(const ServerUrl& server);

}  // namespace tessera::sim
