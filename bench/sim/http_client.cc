#include "http_client.h"

#include "core/strings.h"

#include <nlohmann/json.hpp>

#include <strings.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <optional>

namespace tessera::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

StatusOr<ServerUrl> ParseServerUrl(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return InvalidArgumentError("expected http://host:port: " + url);
  std::string rest = url.substr(scheme.size());
  ServerUrl out;
  const size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    out.base = rest.substr(slash);
    rest.resize(slash);
    while (!out.base.empty() && out.base.back() == '/') out.base.pop_back();
  }
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos) {
    out.host = rest;
    out.port = "80";
  } else {
    out.host = rest.substr(0, colon);
    out.port = rest.substr(colon + 1);
  }
  if (!out.host.empty() && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  if (out.host.empty() || out.port.empty()) return InvalidArgumentError("bad server URL: " + url);
  return out;
}

// Each operation is asynchronous (tcp_stream's deadlines only apply to those) and run to
// completion on the connection's own io_context, so the caller sees a blocking call.
struct HttpConnection::Impl {
  ServerUrl server;
  std::string token;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  std::optional<tcp::resolver::results_type> endpoints;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  int uses = 0;  // requests answered on the current connection

  void Close() {
    if (stream) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->close();
    }
    stream.reset();
    buffer.clear();
    uses = 0;
  }

  beast::error_code Connect() {
    beast::error_code ec;
    if (!endpoints) {
      tcp::resolver resolver(ioc);
      auto results = resolver.resolve(server.host, server.port, ec);
      if (ec) return ec;
      endpoints = std::move(results);
    }
    stream.emplace(ioc);
    stream->expires_after(timeout);
    stream->async_connect(*endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    ioc.restart();
    ioc.run();
    if (ec) {
      stream.reset();
      return ec;
    }
    stream->socket().set_option(tcp::no_delay(true), ec);
    return {};
  }

  // One attempt. *retry is set when the failure is a reused connection the server had closed.
  HttpResult Once(const std::string& target, bool keep_body, bool* retry) {
    HttpResult r;
    *retry = false;
    if (!stream) {
      if (beast::error_code ec = Connect()) {
        r.error = "connect: " + ec.message();
        return r;
      }
    }
    const bool reused = uses > 0;
    http::request<http::empty_body> req(http::verb::get, server.base + target, 11);
    req.set(http::field::host, server.host + ":" + server.port);
    req.set(http::field::user_agent, "tessera_sim");
    if (!token.empty()) req.set("Girder-Token", token);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.keep_alive(true);
    http::response_parser<http::string_body> parser;
    parser.body_limit(uint64_t{1} << 30);
    beast::error_code write_ec, read_ec;
    bool read_started = false;
    stream->expires_after(timeout);
    http::async_write(*stream, req, [&](beast::error_code ec, size_t) {
      write_ec = ec;
      if (ec) return;
      read_started = true;
      stream->expires_after(timeout);
      http::async_read(*stream, buffer, parser, [&](beast::error_code e, size_t) { read_ec = e; });
    });
    ioc.restart();
    ioc.run();
    const beast::error_code ec = write_ec ? write_ec : read_ec;
    if (ec || !read_started) {
      *retry = reused && !parser.got_some() && ec != beast::error::timeout;
      r.error = std::string(write_ec ? "write: " : "read: ") + ec.message();
      Close();
      return r;
    }
    ++uses;
    auto& res = parser.get();
    r.status = static_cast<int>(res.result_int());
    r.bytes = res.body().size();
    const auto x_cache = res["X-Cache"];
    if (x_cache.size() == 3 && strncasecmp(x_cache.data(), "hit", 3) == 0) r.x_cache = 'h';
    if (x_cache.size() == 4 && strncasecmp(x_cache.data(), "miss", 4) == 0) r.x_cache = 'm';
    if (keep_body) r.body = std::move(res.body());
    if (!res.keep_alive()) Close();
    return r;
  }
};

HttpConnection::HttpConnection(ServerUrl server, std::string token,
                               std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->server = std::move(server);
  impl_->token = std::move(token);
  impl_->timeout = timeout;
}

HttpConnection::~HttpConnection() { impl_->Close(); }

void HttpConnection::SetHeader(std::string name, std::string value) {
  impl_->headers.emplace_back(std::move(name), std::move(value));
}

StatusOr<std::string> Login(const ServerUrl& server, const std::string& credentials) {
  HttpConnection c(server, "");
  c.SetHeader("Authorization", "Basic " + Base64Encode(credentials));
  HttpResult r = c.Get("/api/v1/user/authentication", true);
  if (r.status != 200) {
    return UnavailableError("login failed (" + std::to_string(r.status) + "): " + r.error + r.body);
  }
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("authToken")) return UnavailableError("no token: " + r.body);
  return j["authToken"]["token"].get<std::string>();
}

HttpResult HttpConnection::Get(const std::string& target, bool keep_body) {
  try {
    bool retry = false;
    HttpResult r = impl_->Once(target, keep_body, &retry);
    if (retry) r = impl_->Once(target, keep_body, &retry);
    return r;
  } catch (const std::exception& e) {  // Asio / Beast allocation or system errors
    impl_->Close();
    HttpResult r;
    r.error = std::string("exception: ") + e.what();
    return r;
  }
}

}  // namespace tessera::sim
