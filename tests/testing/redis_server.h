// RedisServer: a real redis-server (Debian's) started by a test on a free loopback port or a
// unix socket, without persistence, with Kill (SIGKILL: a crash) and Restart (same address,
// empty) for failure tests. Start and Restart return once the server accepts connections
// (polled, no sleeps).
// Thread-safety: one thread drives a server; other threads may talk to it meanwhile.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "testing/child_process.h"
#include "testing/temp_dir.h"

namespace tessera {

class RedisServer {
 public:
  struct Options {
    uint16_t port = 0;             // 0: a free loopback port
    std::string unix_socket;       // non-empty: listen on this socket path instead of TCP
    std::string password;          // requirepass (AUTH)
    std::string maxmemory;         // e.g. "64mb"; empty = no limit
    std::string maxmemory_policy;  // e.g. "volatile-lru"; empty = redis's default
  };

  RedisServer();
  ~RedisServer();
  // The redis-server program, or "" when it is not installed (tests skip).
  static std::string Program();

  bool Start(const Options& options);
  bool Start() { return Start(Options{}); }
  void Kill();
  bool Restart();
  // SIGSTOP / SIGCONT: a server that hangs (accepts, never answers) and comes back.
  void Pause();
  void Resume();
  bool running() { return process_ && process_->running(); }

  // "127.0.0.1:<port>" or the socket path: a cache-servers entry.
  std::string address() const;
  uint16_t port() const { return options_.port; }
  std::string Log() const;

 private:
  bool Launch();

  Options options_;
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace tessera
