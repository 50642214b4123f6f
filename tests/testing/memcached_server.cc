#include "testing/memcached_server.h"

#include <signal.h>
#include <unistd.h>

#include <vector>

namespace tessera {

MemcachedServer::MemcachedServer() = default;
MemcachedServer::~MemcachedServer() { Kill(); }

std::string MemcachedServer::Program() { return FindProgram("memcached"); }

bool MemcachedServer::Start(const Options& options) {
  options_ = options;
  if (options_.unix_socket.empty() && options_.port == 0) options_.port = FreeTcpPort();
  return Launch();
}

bool MemcachedServer::Launch() {
  const std::string program = Program();
  if (program.empty()) return false;
  std::vector<std::string> argv = {program, "-m", std::to_string(options_.memory_mb), "-U", "0"};
  if (options_.unix_socket.empty()) {
    argv.insert(argv.end(), {"-l", "127.0.0.1", "-p", std::to_string(options_.port)});
  } else {
    argv.insert(argv.end(), {"-s", options_.unix_socket});
  }
  if (options_.item_max_bytes > 0) {
    argv.insert(argv.end(), {"-I", std::to_string(options_.item_max_bytes)});
  }
  if (geteuid() == 0) argv.insert(argv.end(), {"-u", "root"});
  process_ = std::make_unique<ChildProcess>();
  if (!process_->Start(argv, dir_.path() + "/memcached.log")) return false;
  return WaitUntil(
             [&] {
               if (!process_->running()) return true;  // exited: stop waiting, report below
               return options_.unix_socket.empty() ? TcpAccepts(options_.port)
                                                   : UnixSocketAccepts(options_.unix_socket);
             },
             std::chrono::seconds(10)) &&
         process_->running();
}

void MemcachedServer::Kill() {
  if (!process_) return;
  if (process_->running()) {
    process_->Signal(SIGKILL);
    process_->Wait();
  }
  process_.reset();
}

void MemcachedServer::Pause() {
  if (process_) process_->Pause();
}

void MemcachedServer::Resume() {
  if (process_) process_->Signal(SIGCONT);
}

bool MemcachedServer::Restart() {
  Kill();
  if (!options_.unix_socket.empty()) unlink(options_.unix_socket.c_str());
  return Launch();
}

std::string MemcachedServer::address() const {
  return options_.unix_socket.empty() ? "127.0.0.1:" + std::to_string(options_.port)
                                      : options_.unix_socket;
}

std::string MemcachedServer::Log() const { return process_ ? process_->Log() : ""; }

}  // namespace tessera
