#include "testing/redis_server.h"

#include <signal.h>
#include <unistd.h>

#include <vector>

namespace tessera {

RedisServer::RedisServer() = default;
RedisServer::~RedisServer() { Kill(); }

std::string RedisServer::Program() { return FindProgram("redis-server"); }

bool RedisServer::Start(const Options& options) {
  options_ = options;
  if (options_.unix_socket.empty() && options_.port == 0) options_.port = FreeTcpPort();
  return Launch();
}

bool RedisServer::Launch() {
  const std::string program = Program();
  if (program.empty()) return false;
  std::vector<std::string> argv = {
      program,     "--save",      "",   "--appendonly",     "no", "--dir",
      dir_.path(), "--daemonize", "no", "--protected-mode", "no", "--bind",
      "127.0.0.1"};
  if (options_.unix_socket.empty()) {
    argv.insert(argv.end(), {"--port", std::to_string(options_.port)});
  } else {
    argv.insert(argv.end(), {"--port", "0", "--unixsocket", options_.unix_socket});
  }
  if (!options_.password.empty()) argv.insert(argv.end(), {"--requirepass", options_.password});
  if (!options_.maxmemory.empty()) argv.insert(argv.end(), {"--maxmemory", options_.maxmemory});
  if (!options_.maxmemory_policy.empty()) {
    argv.insert(argv.end(), {"--maxmemory-policy", options_.maxmemory_policy});
  }
  process_ = std::make_unique<ChildProcess>();
  if (!process_->Start(argv, dir_.path() + "/redis.log")) return false;
  return WaitUntil(
             [&] {
               if (!process_->running()) return true;  // exited: stop waiting, report below
               return options_.unix_socket.empty() ? TcpAccepts(options_.port)
                                                   : UnixSocketAccepts(options_.unix_socket);
             },
             std::chrono::seconds(10)) &&
         process_->running();
}

void RedisServer::Kill() {
  if (!process_) return;
  if (process_->running()) {
    process_->Signal(SIGKILL);
    process_->Wait();
  }
  process_.reset();
}

void RedisServer::Pause() {
  if (process_) process_->Pause();
}

void RedisServer::Resume() {
  if (process_) process_->Signal(SIGCONT);
}

bool RedisServer::Restart() {
  Kill();
  if (!options_.unix_socket.empty()) unlink(options_.unix_socket.c_str());
  return Launch();
}

std::string RedisServer::address() const {
  return options_.unix_socket.empty() ? "127.0.0.1:" + std::to_string(options_.port)
                                      : options_.unix_socket;
}

std::string RedisServer::Log() const { return process_ ? process_->Log() : ""; }

}  // namespace tessera
