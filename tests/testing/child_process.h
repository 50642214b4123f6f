// ChildProcess: a program started by a test (a real server: tessera, memcached, redis,
// PostgreSQL, nginx), with its stdout+stderr in a log file, killed and reaped on destruction.
// Also the readiness checks tests wait on instead of sleeping: a TCP port or a unix socket that
// accepts connections, a line in the log.
// Thread-safety: one thread per ChildProcess.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tessera {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // SIGKILL and reap, if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] (a path, or a name looked up on PATH) with `env` entries ("K=V") added to the
  // test's environment. Output goes to `log_path` (appended). False if it could not start.
  bool Start(const std::vector<std::string>& argv, const std::string& log_path,
             const std::vector<std::string>& env = {});
  // Before Start: the child runs with a soft RLIMIT_FSIZE of `bytes` (0: inherited), so its
  // writes past that size of any file fail — with EFBIG when it ignores SIGXFSZ (else the signal
  // kills it): a full disk without filling one.
  void set_file_size_limit(uint64_t bytes) { file_size_limit_ = bytes; }
  pid_t pid() const { return pid_; }
  bool running();
  // Sends `sig`; Wait reaps and returns the wait status (-1 if not started or timed out).
  void Signal(int sig);
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // SIGSTOP, and returns once every thread of the process is stopped (the signal is delivered
  // asynchronously: a thread may answer one more request in between). False if it never was.
  bool Pause();
  // SIGTERM, then SIGKILL after `grace`; returns the wait status.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  std::string Log() const;
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  uint64_t file_size_limit_ = 0;
};

// A loopback TCP port nothing listens on right now (bound to port 0, then released).
uint16_t FreeTcpPort();
// Polls (every few ms, up to `timeout`) until `ready` returns true. The check is the real
// condition (a connect, a log line), so no test waits a guessed time.
bool WaitUntil(const std::function<bool()>& ready,
               std::chrono::milliseconds timeout = std::chrono::seconds(30));
bool TcpAccepts(uint16_t port, const std::string& host = "127.0.0.1");
bool UnixSocketAccepts(const std::string& path);
// The full path of a program on PATH (plus /usr/sbin and /sbin), or "" when absent.
std::string FindProgram(const std::string& name);
// Runs a command to completion (argv, no shell); returns the exit code (-1 if it did not run)
// and appends its output to *out when given.
int RunProgram(const std::vector<std::string>& argv, std::string* out = nullptr);

}  // namespace tessera
