// HttpServer: HTTP/1.1 over Boost.Beast + Asio — keep-alive, TCP_NODELAY, header and body in
// one write, CORS on every response — in front of the API router.
//
// Requests are parsed on a few I/O threads. A handler's immediate answer (a cache hit, an
// error) is written from the I/O thread; Deferred work (open, decode, encode) runs on a bounded
// worker pool and its response is posted back to the connection, so cache hits never queue
// behind slow work. When the worker queue is full the request gets 503 with Retry-After.
// Expensive work (a region, a thumbnail) has workers of its own and a bound of its own
// (max_expensive queued or running; beyond it 503 too), so tiles never wait behind it.
// Paths under /api/ and /iiif/, and /metrics, go to the router; others are static files from
// `web_root` (item list and viewer pages).
//
// Thread-safety: Start/Stop/Wait from the owning thread; everything else runs internally.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/router.h"
#include "core/metrics.h"
#include "core/status.h"

namespace tessera {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port (see port())
  int io_threads = 2;
  int workers = 4;
  size_t max_queued_work = 4096;
  // Expensive deferred work (HandlerResult::expensive: regions, thumbnails, histograms,
  // composited frames) runs on its own `expensive_workers`, so it never holds the workers tiles
  // need; at most `max_expensive` such requests are queued or running at once, more are
  // answered 503 with Retry-After at once, while tiles and cache hits keep flowing.
  int expensive_workers = 2;
  int64_t max_expensive = 64;
  std::string web_root;  // empty: no static files
  uint32_t max_header_bytes = 16 * 1024;
  uint64_t max_body_bytes = uint64_t{128} << 20;  // upload chunks (girder_client: 64 MiB)
  // A read (from the request's first byte, or an idle keep-alive wait) or a write that takes
  // longer closes the connection; checked once a second, so it fires within a second after.
  std::chrono::seconds idle_timeout{60};
  // Where each request's latency is recorded, by route pattern (optional).
  RouteMetrics* metrics = nullptr;
};

struct ServerStats {
  uint64_t connections = 0;
  uint64_t requests = 0;
  uint64_t deferred = 0;
  uint64_t rejected_busy = 0;
  uint64_t rejected_expensive = 0;  // 503s for max_expensive
  int64_t expensive = 0;            // expensive requests queued or running now
  int64_t in_flight = 0;            // requests received and not yet answered
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, const Router& router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the I/O threads and workers. Unavailable when the address is taken.
  Status Start();
  // The bound port (after Start).
  uint16_t port() const;
  // Graceful shutdown, first half: stops accepting, closes idle connections, lets requests in
  // flight (their header received) finish and answers them with Connection: close. Returns
  // once none is left (true) or after `grace` (false). Stop() must follow.
  bool Drain(std::chrono::milliseconds grace);
  // Stops accepting, closes connections, joins threads. Idempotent.
  void Stop();
  // Blocks until Stop() is called from another thread or a signal handler path.
  void Wait();

  ServerStats Stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera
