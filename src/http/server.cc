// The only translation unit that includes Boost.Beast (it is heavy to compile).
//
// Shape, chosen for the cost of a cache hit (docs/performance.md):
// - one io_context per I/O thread, each connection bound to one of them for its life, so a
//   connection's handlers never run concurrently and need no strand;
// - requests are parsed by a Beast basic_parser straight into an ApiRequest (no intermediate
//   message and field list);
// - responses are written with one gather write of a header we serialize ourselves and the
//   cached body bytes (no copy of the body); file bodies stream through Beast's file_body;
// - time-outs are checked once a second per I/O thread (a sweep over its connections) instead
//   of arming a timer for every read and write.
#include "http/server.h"

#include <algorithm>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/logging.h"
#include "core/strings.h"
#include "core/thread_pool.h"
#include "http/request_target.h"
#include "http/static_files.h"

namespace tessera {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// A response body that streams `length` bytes of a file from `offset` (Range responses and
// whole files alike): Beast's file_body always sends the whole file.
struct FileRangeBody {
  struct value_type {
    beast::file file;
    uint64_t offset = 0;
    uint64_t length = 0;
  };
  static uint64_t size(const value_type& v) { return v.length; }

  class writer {
   public:
    using const_buffers_type = net::const_buffer;
    template <bool isRequest, class Fields>
    writer(http::header<isRequest, Fields>&, value_type& v) : body_(v), remain_(v.length) {}
    void init(beast::error_code& ec) { body_.file.seek(body_.offset, ec); }
    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec) {
      const size_t amount = static_cast<size_t>(std::min<uint64_t>(remain_, sizeof(buf_)));
      if (amount == 0) {
        ec = {};
        return boost::none;
      }
      const size_t n = body_.file.read(buf_, amount, ec);
      if (ec) return boost::none;
      if (n == 0) {
        ec = http::error::short_read;
        return boost::none;
      }
      remain_ -= n;
      return {{const_buffers_type{buf_, n}, remain_ > 0}};
    }

   private:
    value_type& body_;
    uint64_t remain_;
    char buf_[65536];
  };
};

constexpr char kCorsAllowHeaders[] =
    "Content-Type, Girder-Token, Girder-Authorization, Authorization, Range, If-None-Match";
// Sent with every response (CORS, so that browser viewers on other origins can read tiles).
constexpr std::string_view kCommonHeaders =
    "Server: tessera\r\n"
    "Access-Control-Allow-Origin: *\r\n"
    "Access-Control-Expose-Headers: ETag, Content-Disposition, X-Cache\r\n";
constexpr uint64_t kNever = ~uint64_t{0};
const std::string kStatic = "static";
const std::string kUnrouted = "unrouted";

struct Counters {
  std::atomic<uint64_t> connections{0}, requests{0}, deferred{0}, rejected{0};
  std::atomic<uint64_t> rejected_expensive{0};
  // Expensive deferred work (HandlerResult::expensive) queued or running.
  std::atomic<int64_t> expensive{0};
  // Requests between their first header byte being parsed and their answer being written.
  std::atomic<int64_t> in_flight{0};
  // Shutting down gracefully: answer what is in flight with Connection: close, take no more.
  std::atomic<bool> draining{false};
};

std::string_view View(beast::string_view s) { return std::string_view(s.data(), s.size()); }

// Parses one request straight into an ApiRequest.
class RequestParser final : public http::basic_parser<true> {
 public:
  RequestParser(uint32_t max_header_bytes, uint64_t max_body_bytes) {
    header_limit(max_header_bytes);
    body_limit(max_body_bytes);
  }

  ApiRequest& request() { return request_; }
  bool target_ok() const { return target_ok_; }
  bool expects_continue() const { return expect_continue_; }
  int version() const { return version_; }  // 10 or 11

 private:
  void on_request_impl(http::verb, beast::string_view method, beast::string_view target,
                       int version, beast::error_code&) override {
    version_ = version;
    request_.method.assign(method.data(), method.size());
    target_ok_ = ParseRequestTarget(View(target), &request_);
  }
  void on_response_impl(int, beast::string_view, int, beast::error_code&) override {}
  void on_field_impl(http::field name, beast::string_view name_string, beast::string_view value,
                     beast::error_code&) override {
    if (name == http::field::expect && EqualsIgnoreCase(View(value), "100-continue")) {
      expect_continue_ = true;
    }
    request_.headers.emplace_back(ToLower(View(name_string)), std::string(View(value)));
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         beast::error_code&) override {
    if (length) request_.body.reserve(static_cast<size_t>(*length));
  }
  std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                 beast::error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}

  ApiRequest request_;
  bool target_ok_ = true;
  bool expect_continue_ = false;
  int version_ = 11;
};

// A header value without CR or LF (no response splitting, whatever a handler put there).
void AppendHeaderValue(std::string& out, std::string_view v) {
  if (!std::memchr(v.data(), '\r', v.size()) && !std::memchr(v.data(), '\n', v.size())) {
    out.append(v.data(), v.size());  // the usual case, two vectorized scans
    return;
  }
  for (char c : v) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
}

void AppendNumber(std::string& out, uint64_t n) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), n);
  out.append(buf, r.ptr);
}

class Session;

// One I/O thread: its io_context, its connections, and the once-a-second time-out sweep.
// Everything but `ioc` is touched only from the loop's own thread.
class IoLoop {
 public:
  explicit IoLoop(std::chrono::seconds idle_timeout)
      : ioc(1),
        timeout_ticks_(static_cast<uint64_t>(std::max<int64_t>(1, idle_timeout.count()))),
        sweep_(ioc) {}

  void Start() {
    ScheduleSweep();
    thread_ = std::thread([this] { ioc.run(); });
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

  void Add(const std::shared_ptr<Session>& s) { sessions_.push_back(s); }
  // Closes every connection that waits for a request (draining; on the loop's thread); returns
  // how many are in the middle of one.
  size_t CloseIdle();
  // The tick after which an operation started now has timed out.
  uint64_t Deadline() const { return tick_ + timeout_ticks_ + 1; }

  net::io_context ioc;

 private:
  void ScheduleSweep();
  void Sweep();

  const uint64_t timeout_ticks_;
  uint64_t tick_ = 0;
  net::steady_timer sweep_;
  std::vector<std::weak_ptr<Session>> sessions_;
  std::thread thread_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, IoLoop& loop, const ServerOptions& options, const Router& router,
          ThreadPool& pool, ThreadPool& expensive_pool, Counters& counters)
      : socket_(std::move(socket)),
        loop_(loop),
        options_(options),
        router_(router),
        pool_(pool),
        expensive_pool_(expensive_pool),
        counters_(counters) {}

  ~Session() { RemoveBodyFile(); }  // a connection that died before sending its file

  // On the session's own loop.
  void Start() {
    beast::error_code ec;
    const tcp::endpoint remote = socket_.remote_endpoint(ec);
    if (!ec) peer_ = remote.address().to_string();
    loop_.Add(shared_from_this());
    Read();
  }

  // From the sweep: closes the connection when its current read or write has run too long.
  void CloseIfExpired(uint64_t tick) {
    if (tick >= deadline_) Close();
  }

  // Draining: a connection waiting for its next request, with none of it received (nor waiting
  // in the socket), is closed; true for one in the middle of a request, which is left to finish
  // (it closes after its answer).
  bool CloseIfIdle() {
    if (busy_ || buffer_.size() > 0) return true;
    beast::error_code ec;
    if (socket_.is_open() && socket_.available(ec) > 0 && !ec) return true;
    Close();
    return false;
  }

 private:
  void Read() {
    parser_.emplace(options_.max_header_bytes, options_.max_body_bytes);
    deadline_ = loop_.Deadline();
    http::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (!ec) Begin();
    if (ec) return OnRead(ec);
    if (parser_->is_done()) return OnRead(ec);
    if (parser_->expects_continue()) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  // A request has begun (its header is in); it is in flight until its answer is written.
  void Begin() {
    if (busy_) return;
    busy_ = true;
    counters_.in_flight.fetch_add(1, std::memory_order_relaxed);
  }
  void End() {
    if (!busy_) return;
    busy_ = false;
    counters_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted ||
        ec == net::error::bad_descriptor) {
      return Close();
    }
    Begin();  // (a malformed header is answered too)
    if (ec) {
      // Malformed or oversized requests get a clear answer, then the connection closes.
      int status = ec == http::error::header_limit ? 431
                   : ec == http::error::body_limit ? 413
                                                   : 400;
      ApiResponse resp =
          ApiResponse::Error(InvalidArgumentError("Bad HTTP request: " + ec.message()));
      resp.status = status;
      keep_alive_ = false;
      head_request_ = false;
      return Write(std::move(resp));
    }
    counters_.requests.fetch_add(1, std::memory_order_relaxed);
    started_ = std::chrono::steady_clock::now();
    route_ = &kUnrouted;
    keep_alive_ = parser_->keep_alive();
    http10_ = parser_->version() < 11;
    ApiRequest& api = parser_->request();
    api.peer = peer_;
    head_request_ = api.method == "HEAD";
    if (!parser_->target_ok()) {
      return Write(ApiResponse::Error(InvalidArgumentError("Malformed URL encoding")));
    }

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
    const bool routed = api.path.rfind("/api/", 0) == 0 || api.path.rfind("/iiif/", 0) == 0 ||
                        api.path == "/metrics";
    if (!routed && !options_.web_root.empty()) {
      route_ = &kStatic;
      return Write(ServeStaticFile(options_.web_root, api));
    }
    HandlerResult result = router_.Dispatch(api);
    if (api.route) route_ = api.route;
    if (result.response) return Write(std::move(*result.response));

    counters_.deferred.fetch_add(1, std::memory_order_relaxed);
    const bool expensive = result.expensive;
    if (expensive && counters_.expensive.fetch_add(1) >= options_.max_expensive) {
      counters_.expensive.fetch_sub(1);
      counters_.rejected_expensive.fetch_add(1, std::memory_order_relaxed);
      return Write(ApiResponse::Error(UnavailableError(
          "Too many regions, thumbnails and histograms are waiting to be made (max-expensive " +
          std::to_string(options_.max_expensive) + "); retry shortly")));
    }
    deadline_ = kNever;  // the server is working, not the client
    // The worker hands its reference back with the response, so the session always ends on
    // its own loop. Expensive work has its own workers: tiles never wait behind it.
    bool queued =
        (expensive ? expensive_pool_ : pool_)
            .TrySubmit([self = shared_from_this(), work = std::move(result.deferred),
                        expensive]() mutable {
              ApiResponse resp = work();
              if (expensive) self->counters_.expensive.fetch_sub(1);
              IoLoop& loop = self->loop_;
              net::post(loop.ioc, [self = std::move(self), resp = std::move(resp)]() mutable {
                self->Write(std::move(resp));
              });
            });
    if (!queued) {
      if (expensive) counters_.expensive.fetch_sub(1);
      counters_.rejected.fetch_add(1, std::memory_order_relaxed);
      Write(ApiResponse::Error(UnavailableError("The server is busy; retry shortly")));
    }
  }

  void Write(ApiResponse resp) {
    current_ = std::move(resp);
    if (counters_.draining.load(std::memory_order_relaxed)) keep_alive_ = false;
    if (!current_.body_file.empty()) return WriteFile();
    const size_t size = current_.body ? current_.body->size() : 0;
    std::string& h = header_;
    h.clear();
    h += "HTTP/1.1 ";
    AppendNumber(h, static_cast<uint64_t>(current_.status));
    h += ' ';
    h += View(http::obsolete_reason(static_cast<http::status>(current_.status)));
    h += "\r\n";
    h += kCommonHeaders;
    if (!current_.content_type.empty()) {
      h += "Content-Type: ";
      AppendHeaderValue(h, current_.content_type);
      h += "\r\n";
    }
    for (const auto& [k, v] : current_.headers) {
      AppendHeaderValue(h, k);
      h += ": ";
      AppendHeaderValue(h, v);
      h += "\r\n";
    }
    if (!keep_alive_) {
      h += "Connection: close\r\n";
    } else if (http10_) {
      h += "Connection: keep-alive\r\n";
    }
    if (current_.status != 304 && current_.status != 204) {
      h += "Content-Length: ";
      AppendNumber(h, size);
      h += "\r\n";
    }
    h += "\r\n";
    std::array<net::const_buffer, 2> buffers{net::buffer(h), net::const_buffer()};
    if (!head_request_ && size > 0) buffers[1] = net::buffer(current_.body->data(), size);
    deadline_ = loop_.Deadline();
    net::async_write(
        socket_, buffers,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
  }

  // A response whose body streams from a file (Beast's file_body reads it in chunks).
  void WriteFile() {
    beast::error_code ec;
    FileRangeBody::value_type file;
    file.file.open(current_.body_file.c_str(), beast::file_mode::scan, ec);
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
    res.set(http::field::access_control_expose_headers, "ETag, Content-Disposition, X-Cache");
    if (!current_.content_type.empty()) res.set(http::field::content_type, current_.content_type);
    for (const auto& [k, v] : current_.headers) {
      std::string value;
      AppendHeaderValue(value, v);
      res.set(k, value);
    }
    res.keep_alive(keep_alive_);
    const uint64_t file_size = file.file.size(ec);
    file.offset = std::min<uint64_t>(current_.body_file_offset, file_size);
    file.length = std::min<uint64_t>(current_.body_file_length, file_size - file.offset);
    const uint64_t size = file.length;
    if (!head_request_) res.body() = std::move(file);
    res.set(http::field::content_length, std::to_string(size));
    deadline_ = loop_.Deadline();
    http::async_write(socket_, res, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->OnWrite(ec);
    });
  }

  void RemoveBodyFile() {
    if (current_.remove_body_file && !current_.body_file.empty()) {
      std::remove(current_.body_file.c_str());
    }
  }

  void OnWrite(beast::error_code ec) {
    RecordLatency();
    RemoveBodyFile();
    file_response_.reset();
    current_ = ApiResponse();
    End();
    if (ec || !keep_alive_ || counters_.draining.load(std::memory_order_relaxed)) return Close();
    Read();
  }

  // The request's time from its last byte read to its answer's last byte written, by route.
  void RecordLatency() {
    if (!options_.metrics || !route_) return;
    if (route_ != histogram_route_) {  // connections tend to ask for one kind of thing
      histogram_ = &options_.metrics->For(*route_);
      histogram_route_ = route_;
    }
    histogram_->Observe(std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now() - started_)
                            .count());
    route_ = nullptr;
  }

  void Close() {
    End();
    deadline_ = kNever;
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  IoLoop& loop_;
  beast::flat_buffer buffer_;
  const ServerOptions& options_;
  const Router& router_;
  ThreadPool& pool_;
  ThreadPool& expensive_pool_;
  Counters& counters_;
  std::optional<RequestParser> parser_;
  std::string header_;  // the serialized response header, reused from request to request
  std::string peer_;    // the client's address
  std::chrono::steady_clock::time_point started_;
  const std::string* route_ = nullptr;  // the current request's route pattern
  const std::string* histogram_route_ = nullptr;
  LatencyHistogram* histogram_ = nullptr;
  std::optional<http::response<FileRangeBody>> file_response_;
  ApiResponse current_;
  uint64_t deadline_ = kNever;  // the loop tick at which the current read or write times out
  bool keep_alive_ = true;
  bool http10_ = false;
  bool head_request_ = false;
  bool busy_ = false;  // a request is in flight (counted in counters_.in_flight)
};

void IoLoop::ScheduleSweep() {
  sweep_.expires_after(std::chrono::seconds(1));
  sweep_.async_wait([this](beast::error_code ec) {
    if (ec) return;
    Sweep();
    ScheduleSweep();
  });
}

size_t IoLoop::CloseIdle() {
  size_t busy = 0;
  for (const auto& weak : sessions_) {
    if (std::shared_ptr<Session> s = weak.lock()) busy += s->CloseIfIdle() ? 1 : 0;
  }
  return busy;
}

void IoLoop::Sweep() {
  ++tick_;
  size_t kept = 0;
  for (size_t i = 0; i < sessions_.size(); ++i) {
    std::shared_ptr<Session> s = sessions_[i].lock();
    if (!s) continue;  // ended: dropped from the list
    s->CloseIfExpired(tick_);
    if (kept != i) sessions_[kept] = std::move(sessions_[i]);  // (a self-move would empty it)
    ++kept;
  }
  sessions_.resize(kept);
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, const Router& router)
      : options_(std::move(options)), router_(router) {
    for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
      loops_.push_back(std::make_unique<IoLoop>(options_.idle_timeout));
    }
    acceptor_.emplace(loops_.front()->ioc);
  }

  Status Start() {
    beast::error_code ec;
    auto address = net::ip::make_address(options_.host, ec);
    if (ec) return InvalidArgumentError("invalid host address '" + options_.host + "'");
    tcp::endpoint ep(address, options_.port);
    acceptor_->open(ep.protocol(), ec);
    if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(ep, ec);
    if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return UnavailableError("cannot listen on " + options_.host + ":" +
                              std::to_string(options_.port) + ": " + ec.message());
    }
    port_ = acceptor_->local_endpoint().port();
    pool_ = std::make_unique<ThreadPool>(options_.workers, options_.max_queued_work, "tile");
    expensive_pool_ = std::make_unique<ThreadPool>(
        options_.expensive_workers,
        static_cast<size_t>(std::max<int64_t>(options_.max_expensive, 1)), "region");
    Accept();
    for (auto& loop : loops_) loop->Start();
    return Status::Ok();
  }

  // Connections go to the loops in turn; each is started on its own loop.
  void Accept() {
    IoLoop& loop = *loops_[next_loop_++ % loops_.size()];
    acceptor_->async_accept(loop.ioc, [this, &loop](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted) return;
        TS_LOG(kWarning) << "accept failed: " << ec.message();
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        counters_.connections.fetch_add(1, std::memory_order_relaxed);
        auto session = std::make_shared<Session>(std::move(socket), loop, options_, router_, *pool_,
                                                 *expensive_pool_, counters_);
        net::post(loop.ioc, [session = std::move(session)] { session->Start(); });
      }
      Accept();
    });
  }

  bool Drain(std::chrono::milliseconds grace) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return true;
    }
    counters_.draining.store(true);
    net::post(loops_.front()->ioc, [this] {
      beast::error_code ignored;
      acceptor_->close(ignored);
    });
    // Idle keep-alive connections are closed now, the rest after their answer; a connection
    // whose next request is already waiting in its socket counts as busy. Each round asks every
    // loop (on its own thread) and waits for all their answers.
    const auto deadline = std::chrono::steady_clock::now() + grace;
    for (;;) {
      auto busy = std::make_shared<std::atomic<size_t>>(0);
      auto answered = std::make_shared<std::atomic<size_t>>(0);
      for (auto& loop : loops_) {
        net::post(loop->ioc, [l = loop.get(), busy, answered] {
          busy->fetch_add(l->CloseIdle());
          answered->fetch_add(1);
        });
      }
      while (answered->load() < loops_.size() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (busy->load() == 0 && counters_.in_flight.load() <= 0) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  int64_t InFlight() const { return counters_.in_flight.load(); }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    net::post(loops_.front()->ioc, [this] {
      beast::error_code ignored;
      acceptor_->close(ignored);
    });
    // Workers finish what they hold; their responses are posted to loops that stop.
    pool_.reset();
    expensive_pool_.reset();
    for (auto& loop : loops_) loop->ioc.stop();
    for (auto& loop : loops_) loop->Join();
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
    s.rejected_expensive = counters_.rejected_expensive.load();
    s.expensive = counters_.expensive.load();
    s.in_flight = counters_.in_flight.load();
    return s;
  }

  uint16_t port() const { return port_; }

 private:
  ServerOptions options_;
  const Router& router_;
  std::vector<std::unique_ptr<IoLoop>> loops_;
  std::optional<tcp::acceptor> acceptor_;
  size_t next_loop_ = 0;  // used by the accept handler only (loop 0's thread)
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<ThreadPool> expensive_pool_;
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
bool HttpServer::Drain(std::chrono::milliseconds grace) { return impl_->Drain(grace); }
void HttpServer::Wait() { impl_->Wait(); }
ServerStats HttpServer::Stats() const { return impl_->Stats(); }

}  // namespace tessera
