// MemcachedServer: a real memcached (Debian's /usr/bin/memcached) started by a test on a free
// loopback port or a unix socket, with Kill (SIGKILL: a crash) and Restart (same address, empty)
// for failure tests. Start and Restart return once the server accepts connections (polled, no
// sleeps). Runs with `-u root` when the test runs as root (memcached refuses root otherwise).
// Thread-safety: one thread drives a server; other threads may talk to it meanwhile.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "testing/child_process.h"
#include "testing/temp_dir.h"

namespace tessera {

class MemcachedServer {
 public:
  struct Options {
    uint16_t port = 0;            // 0: a free loopback port
    std::string unix_socket;      // non-empty: listen on this socket path instead of TCP
    uint64_t item_max_bytes = 0;  // memcached -I; 0 = its default (1 MiB)
    int memory_mb = 64;           // memcached -m
  };

  MemcachedServer();
  ~MemcachedServer();
  // The memcached program, or "" when it is not installed (tests skip).
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
