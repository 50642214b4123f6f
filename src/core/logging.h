// Minimal leveled logging to stderr: one line per call, written atomically.
//
//   TS_LOG(kInfo) << "listening on " << url;
//
// The level threshold is set once at start-up (SetLogLevel) from config.
// Thread-safety: safe from any thread; each line is assembled privately and written with one
// write(2).
#pragma once

#include <sstream>
#include <string_view>

namespace tessera {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kOff = 4 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
bool ParseLogLevel(std::string_view name, LogLevel* out);

class LogLine {
 public:
  LogLine(LogLevel level, const char* file, int line);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;
  template <typename T>
  LogLine& operator<<(const T& v) {
    stream_ << v;
    return *this;
  }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

// Makes the streamed LogLine expression void, so TS_LOG is one expression that nests safely in
// an unbraced if/else.
struct LogVoidify {
  void operator&(const LogLine&) {}
};

}  // namespace tessera

#define TS_LOG(level)                                       \
  !(::tessera::LogLevel::level >= ::tessera::GetLogLevel()) \
      ? (void)0                                             \
      : ::tessera::LogVoidify() &                           \
            ::tessera::LogLine(::tessera::LogLevel::level, __FILE__, __LINE__)
