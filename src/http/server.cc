// The only translation unit that includes Boost.Beast (it is heavy to compile).
#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/logging.h"
#include "core/strings.h"
#include "core/thread_pool.h"
#include "http/static_files.h"

namespace tessera {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr char kCorsAllowHeaders[] =
    "Content-Type, Girder-Token, Girder-Authorization, Authorization, Range, If-None-Match";

struct Counters {
  std::atomic<uint64_t> connections{0}, requests{0}, deferred{0}, rejected{0};
};

// Splits a request target into a decoded path and decoded query pairs.
bool ParseTarget(std::string_view target, ApiRequest* out) {
  size_t q = target.find('?');
  auto path = UrlDecode(target.substr(0, q), /*plus_as_space=*/false);
  if (!path) return false;
  out->path = std::move(*path);
  if (q == std::string_view::npos) return true;
  for (auto part : Split(target.substr(q + 1), '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    auto key = UrlDecode(part.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : UrlDecode(part.substr(eq + 1), true);
    if (!key || !value) return false;
    out->query.emplace_back(std::move(*key), std::move(*value));
  }
  return true;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const ServerOptions& options, const Router& router, ThreadPool& pool,
          Counters& counters)
      : stream_(std::move(socket)),
        options_(options),
        router_(router),
        pool_(pool),
        counters_(counters) {}

  ~Session() { RemoveBodyFile(); }  // a connection that died before sending its file

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->header_limit(options_.max_header_bytes);
    parser_->body_limit(options_.max_body_bytes);
    stream_.expires_after(options_.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted) {
      return Close();
    }
    if (ec) {
      // Malformed or oversized requests get a clear answer, then the connection closes.
      int status = ec == http::error::header_limit ? 431
                   : ec == http::error::body_limit ? 413
                                                   : 400;
      ApiResponse resp =
          ApiResponse::Error(InvalidArgumentError("Bad HTTP request: " + ec.message()));
      resp.status = status;
      keep_alive_ = false;
      head_ = false;
      return Write(std::move(resp));
    }
    counters_.requests.fetch_add(1, std::memory_order_relaxed);
    http::request<http::string_body> req = parser_->release();
    keep_alive_ = req.keep_alive();
    head_ = req.method() == http::verb::head;

    ApiRequest api;
    api.method = std::string(req.method_string());
    if (!ParseTarget(std::string_view(req.target().data(), req.target().size()), &api)) {
      return Write(ApiResponse::Error(InvalidArgumentError("Malformed URL encoding")));
    }
    for (const auto& field : req) {
      api.headers.emplace_back(
          ToLower(std::string_view(field.name_string().data(), field.name_string().size())),
          std::string(field.value()));
    }
    api.body = std::move(req.body());

    if (api.method == "OPTIONS") {
      ApiResponse resp;
      resp.status = 204;
      resp.content_type.clear();
      resp.headers.emplace_back("Access-Control-Allow-Methods",
                                "GET, HEAD, POST, PUT, DELETE, OPTIONS");
      resp.headers.emplace_back("Access-Control-Allow-Headers", kCorsAllowHeaders);
      resp.headers.emplace_back("Access-Control-Max-Age", "86400");
      return Write(std::move(resp));
    }
    const bool routed = api.path.rfind("/api/", 0) == 0 || api.path.rfind("/iiif/", 0) == 0;
    if (!routed && !options_.web_root.empty()) {
      return Write(ServeStaticFile(options_.web_root, api));
    }
    HandlerResult result = router_.Dispatch(api);
    if (result.response) return Write(std::move(*result.response));

    counters_.deferred.fetch_add(1, std::memory_order_relaxed);
    auto self = shared_from_this();
    bool queued = pool_.TrySubmit([self, work = std::move(result.deferred)]() {
      ApiResponse resp = work();
      net::post(self->stream_.get_executor(),
                [self, resp = std::move(resp)]() mutable { self->Write(std::move(resp)); });
    });
    if (!queued) {
      counters_.rejected.fetch_add(1, std::memory_order_relaxed);
      Write(ApiResponse::Error(UnavailableError("The server is busy; retry shortly")));
    }
  }

  void Write(ApiResponse resp) {
    current_ = std::move(resp);
    if (!current_.body_file.empty()) return WriteFile();
    response_.emplace();
    auto& res = *response_;
    res.version(11);
    res.result(static_cast<http::status>(current_.status));
    res.set(http::field::server, "tessera");
    res.set(http::field::access_control_allow_origin, "*");
    res.set(http::field::access_control_expose_headers, "ETag, Content-Disposition");
    if (!current_.content_type.empty()) res.set(http::field::content_type, current_.content_type);
    for (const auto& [k, v] : current_.headers) res.set(k, v);
    res.keep_alive(keep_alive_);
    const size_t size = current_.body ? current_.body->size() : 0;
    if (!head_ && size > 0) {
      res.body() = http::span_body<const char>::value_type(
          reinterpret_cast<const char*>(current_.body->data()), size);
    }
    if (current_.status != 304 && current_.status != 204) {
      res.set(http::field::content_length, std::to_string(size));
    }
    stream_.expires_after(options_.idle_timeout);
    http::async_write(stream_, res,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  // A response whose body streams from a file (Beast's file_body reads it in chunks).
  void WriteFile() {
    beast::error_code ec;
    http::file_body::value_type file;
    file.open(current_.body_file.c_str(), beast::file_mode::scan, ec);
    if (ec) {
      RemoveBodyFile();
      return Write(
          ApiResponse::Error(InternalError("cannot read the response file: " + ec.message())));
    }
    file_response_.emplace();
    auto& res = *file_response_;
    res.version(11);
    res.result(static_cast<http::status>(current_.status));
    res.set(http::field::server, "tessera");
    res.set(http::field::access_control_allow_origin, "*");
    res.set(http::field::access_control_expose_headers, "ETag, Content-Disposition");
    if (!current_.content_type.empty()) res.set(http::field::content_type, current_.content_type);
    for (const auto& [k, v] : current_.headers) res.set(k, v);
    res.keep_alive(keep_alive_);
    const uint64_t size = file.size();
    if (!head_) res.body() = std::move(file);
    res.set(http::field::content_length, std::to_string(size));
    stream_.expires_after(options_.idle_timeout);
    http::async_write(stream_, res,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void RemoveBodyFile() {
    if (current_.remove_body_file && !current_.body_file.empty()) {
      std::remove(current_.body_file.c_str());
    }
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    RemoveBodyFile();
    file_response_.reset();
    response_.reset();
    current_ = ApiResponse();
    if (ec) return Close();
    if (!keep_alive_) return Close();
    Read();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  const ServerOptions& options_;
  const Router& router_;
  ThreadPool& pool_;
  Counters& counters_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::span_body<const char>>> response_;
  std::optional<http::response<http::file_body>> file_response_;
  ApiResponse current_;
  bool keep_alive_ = true;
  bool head_ = false;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, const Router& router)
      : options_(std::move(options)), router_(router), acceptor_(ioc_) {}

  Status Start() {
    beast::error_code ec;
    auto address = net::ip::make_address(options_.host, ec);
    if (ec) return InvalidArgumentError("invalid host address '" + options_.host + "'");
    tcp::endpoint ep(address, options_.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return UnavailableError("cannot listen on " + options_.host + ":" +
                              std::to_string(options_.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    pool_ = std::make_unique<ThreadPool>(options_.workers, options_.max_queued_work, "tile");
    Accept();
    for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
    return Status::Ok();
  }

  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec,
                                                          tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted) return;
        TS_LOG(kWarning) << "accept failed: " << ec.message();
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        counters_.connections.fetch_add(1, std::memory_order_relaxed);
        std::make_shared<Session>(std::move(socket), options_, router_, *pool_, counters_)->Run();
      }
      Accept();
    });
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    net::post(ioc_, [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    // Workers finish what they hold; their responses are posted to an io_context that stops.
    pool_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    cv_.notify_all();
  }

  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return stopped_; });
  }

  ServerStats Stats() const {
    ServerStats s;
    s.connections = counters_.connections.load();
    s.requests = counters_.requests.load();
    s.deferred = counters_.deferred.load();
    s.rejected_busy = counters_.rejected.load();
    return s;
  }

  uint16_t port() const { return port_; }

 private:
  ServerOptions options_;
  const Router& router_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  Counters counters_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

HttpServer::HttpServer(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}
HttpServer::~HttpServer() { impl_->Stop(); }
Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop() { impl_->Stop(); }
void HttpServer::Wait() { impl_->Wait(); }
ServerStats HttpServer::Stats() const { return impl_->Stats(); }

}  // namespace tessera
