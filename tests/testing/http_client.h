// A small synchronous HTTP/1.1 client for integration tests (Boost.Beast), with keep-alive:
// one HttpClient is one TCP connection, reused across requests.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tessera {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool connection_error = false;
  std::string error;
  std::string Header(const std::string& name) const;
};

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResult Get(const std::string& target,
                 const std::vector<std::pair<std::string, std::string>>& headers = {});
  HttpResult Request(const std::string& method, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers = {},
                     const std::string& body = "");
  // Sends raw bytes and returns the raw response (for malformed-request tests).
  std::string Raw(const std::string& bytes);
  // Connections opened so far (1 when keep-alive held).
  int connects() const { return connects_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int connects_ = 0;
};

}  // namespace tessera
