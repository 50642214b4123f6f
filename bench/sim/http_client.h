// A minimal blocking HTTP/1.1 keep-alive client for the simulator (Boost.Beast, synchronous).
//
// One HttpConnection is one TCP connection, as a browser keeps per host: requests go one at a
// time, the connection is reused while the server keeps it alive and reopened when it is not.
// A request that fails on a reused connection before any answer arrived (the server closed an
// idle keep-alive connection) is retried once on a fresh one. Every request carries
// `Girder-Token: <token>`, which is how the server tells viewers apart.
//
// Thread-safety: none; use one HttpConnection per thread. Different connections are
// independent (each has its own io_context).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/status.h"

namespace tessera::sim {

struct ServerUrl {
  std::string host;
  std::string port;
  std::string base;  // path prefix without trailing '/', usually ""
};

// "http://host:port[/prefix]"; https is not supported.
StatusOr<ServerUrl> ParseServerUrl(const std::string& url);

struct HttpResult {
  int status = 0;      // HTTP status; 0 when no response arrived (see error)
  uint64_t bytes = 0;  // body bytes
  char x_cache = '-';  // 'h' / 'm' from an `X-Cache: hit|miss` header, '-' without one
  std::string body;    // only when asked for
  std::string error;   // transport error, empty when a response arrived
};

class HttpConnection {
 public:
  HttpConnection(ServerUrl server, std::string token,
                 std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // GET base + target. Never throws.
  HttpResult Get(const std::string& target, bool keep_body = false);
  // An extra header on every request (e.g. Authorization).
  void SetHeader(std::string name, std::string value);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A token for `login:password` (Girder's GET /user/authentication with HTTP Basic).
StatusOr<std::string> Login(const ServerUrl& server, const std::string& credentials);

}  // namespace tessera::sim
