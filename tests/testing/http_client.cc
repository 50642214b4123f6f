#include "testing/http_client.h"

#include <utility>  // Boost 1.74 asio needs std::exchange before its headers

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

namespace tessera {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpClient::Impl {
  std::string host;
  uint16_t port;
  net::io_context ioc;
  std::unique_ptr<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

std::string HttpResult::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

HttpClient::HttpClient(std::string host, uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

HttpClient::~HttpClient() = default;

HttpResult HttpClient::Get(const std::string& target,
                           const std::vector<std::pair<std::string, std::string>>& headers) {
  return Request("GET", target, headers);
}

HttpResult HttpClient::Request(const std::string& method, const std::string& target,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body) {
  HttpResult result;
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    if (!impl_->stream) {
      impl_->stream = std::make_unique<beast::tcp_stream>(impl_->ioc);
      impl_->stream->connect(tcp::endpoint(net::ip::make_address(impl_->host), impl_->port), ec);
      if (ec) {
        impl_->stream.reset();
        result.connection_error = true;
        result.error = ec.message();
        return result;
      }
      ++connects_;
      impl_->buffer.clear();
    }
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    // RFC 9110: the port is part of Host unless it is the default.
    req.set(http::field::host,
            impl_->port == 80 ? impl_->host : impl_->host + ":" + std::to_string(impl_->port));
    req.keep_alive(true);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(*impl_->stream, req, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 32);
    parser.skip(method == "HEAD");
    if (!ec) http::read(*impl_->stream, impl_->buffer, parser, ec);
    if (ec) {
      impl_->stream.reset();
      // A keep-alive connection the server closed: retry once on a new one.
      if (attempt == 0) continue;
      result.connection_error = true;
      result.error = ec.message();
      return result;
    }
    auto res = parser.release();
    result.status = res.result_int();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      result.headers[name] = std::string(f.value());
    }
    result.body = std::move(res.body());
    if (!res.keep_alive()) impl_->stream.reset();
    return result;
  }
  return result;
}

std::string HttpClient::Raw(const std::string& bytes) {
  net::io_context ioc;
  tcp::socket sock(ioc);
  beast::error_code ec;
  sock.connect(tcp::endpoint(net::ip::make_address(impl_->host), impl_->port), ec);
  if (ec) return "";
  net::write(sock, net::buffer(bytes), ec);
  std::string out;
  char buf[4096];
  for (;;) {
    size_t n = sock.read_some(net::buffer(buf), ec);
    if (n > 0) out.append(buf, n);
    if (ec) break;
    // One response is enough for these tests.
    if (out.find("\r\n\r\n") != std::string::npos) {
      auto pos = out.find("Content-Length: ");
      if (pos == std::string::npos) pos = out.find("content-length: ");
      if (pos != std::string::npos) {
        size_t len = std::stoul(out.substr(pos + 16));
        if (out.size() >= out.find("\r\n\r\n") + 4 + len) break;
      }
    }
  }
  return out;
}

}  // namespace tessera
