#include "session.h"

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "viewer.h"

namespace tessera::sim {
namespace {

using Clock = std::chrono::steady_clock;

StatusOr<SlideInfo> ParseMetadata(const std::string& id, const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  SlideInfo s;
  s.id = id;
  try {
    s.levels = j.at("levels").get<int>();
    s.size_x = j.at("sizeX").get<int64_t>();
    s.size_y = j.at("sizeY").get<int64_t>();
    s.tile_width = j.at("tileWidth").get<int>();
    s.tile_height = j.at("tileHeight").get<int>();
  } catch (const std::exception& e) {
    return InvalidArgumentError("metadata of " + id + ": " + e.what());
  }
  if (s.levels < 1 || s.levels > 40 || s.tile_width < 1 || s.tile_height < 1) {
    return InvalidArgumentError("metadata of " + id + ": implausible levels or tile size");
  }
  return s;
}

// Opens slide `id` on `conn`: the metadata request, recorded.
StatusOr<SlideInfo> OpenSlide(Run& run, HttpConnection& conn, int user, const std::string& id,
                              std::vector<Record>* records) {
  std::string body;
  records->push_back(
      run.Fetch(conn, user, Kind::kMeta, "/api/v1/item/" + id + "/tiles", -1, &body));
  if (!records->back().ok()) return UnavailableError("metadata request failed");
  return ParseMetadata(id, body);
}

}  // namespace

int64_t Run::NowUs() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0_).count();
}

bool Run::PastDeadline() const {
  return o_.duration_s > 0 && NowUs() >= static_cast<int64_t>(o_.duration_s * 1e6);
}

std::unique_ptr<HttpConnection> Run::Connect(const std::string& name) {
  std::string token = name;
  if (!o_.login.empty()) {
    std::unique_lock<std::mutex> lock(mu_);
    auto it = tokens_.find(name);
    if (it != tokens_.end()) {
      token = it->second;
    } else {
      lock.unlock();
      auto t = Login(server_, o_.login);
      // Without a token every request of this viewer fails and is counted as failed.
      token = t.ok() ? *t : "login-failed";
      lock.lock();
      tokens_.emplace(name, token);
    }
  }
  return std::make_unique<HttpConnection>(
      server_, token, std::chrono::milliseconds(static_cast<int64_t>(o_.timeout_s * 1000)));
}

Record Run::Fetch(HttpConnection& c, int user, Kind kind, const std::string& url, int viewport,
                  std::string* body) const {
  Record r;
  r.user = user;
  r.kind = kind;
  r.url = url;
  r.viewport = viewport;
  r.start_us = NowUs();
  HttpResult h = c.Get(url, body != nullptr);
  r.latency_us = NowUs() - r.start_us;
  r.status = h.status;
  r.bytes = h.bytes;
  r.x_cache = h.x_cache;
  r.error = std::move(h.error);
  if (body) *body = std::move(h.body);
  return r;
}

bool Run::Sleep(std::chrono::microseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stop_; });
}

void Run::Stop() {
  std::lock_guard lock(mu_);
  stop_ = true;
  cv_.notify_all();
}

bool Run::stopping() {
  std::lock_guard lock(mu_);
  return stop_;
}

void RunUser(Run& run, int user, const std::vector<std::string>& slides, UserResult* out) {
  const Options& o = run.options();
  ViewerOptions vo;
  vo.width = o.width;
  vo.height = o.height;
  vo.think_ms = o.think_ms;
  Viewer viewer(StreamSeed(o.seed, user), static_cast<int>(slides.size()), vo);
  ClientTileCache cache(o.client_cache_tiles);
  std::vector<std::unique_ptr<HttpConnection>> conns;
  for (int i = 0; i < o.connections; ++i) conns.push_back(run.Connect(UserName(user)));
  Rng ramp(StreamSeed(o.seed, 1'000'000 + user));
  std::this_thread::sleep_for(
      std::chrono::microseconds(static_cast<int64_t>(ramp.Uniform() * o.ramp_s * 1e6)));

  auto opened = OpenSlide(run, *conns[0], user, slides[viewer.slide()], &out->records);
  if (!opened.ok()) return;
  viewer.Opened(*opened);
  MoveKind move = MoveKind::kStart;
  for (int index = 0;; ++index) {
    std::vector<std::string> urls;
    const std::vector<TileRef> visible = viewer.Visible();
    ViewportRecord v;
    v.user = user;
    v.index = index;
    v.move = MoveName(move);
    for (const TileRef& t : visible) {
      std::string url = TileUrl(slides[viewer.slide()], t);
      if (cache.Contains(url)) {
        ++v.from_client_cache;
      } else {
        urls.push_back(std::move(url));
      }
    }
    v.requested = static_cast<int>(urls.size());
    // Fetch: each connection takes the next tile (nearest the centre first) when free.
    std::atomic<size_t> next{0};
    const size_t n_conn = std::min<size_t>(conns.size(), urls.size());
    std::vector<std::vector<Record>> got(n_conn);
    auto work = [&](size_t c) {
      for (size_t i; (i = next.fetch_add(1)) < urls.size();) {
        got[c].push_back(run.Fetch(*conns[c], user, Kind::kTile, urls[i], index));
      }
    };
    v.start_us = run.NowUs();
    {
      std::vector<std::jthread> helpers;
      for (size_t c = 1; c < n_conn; ++c) helpers.emplace_back(work, c);
      if (n_conn > 0) work(0);
    }
    v.end_us = run.NowUs();
    bool failed = false;
    for (auto& rs : got) {
      for (Record& r : rs) {
        failed |= !r.ok();
        out->records.push_back(std::move(r));
      }
    }
    out->viewports.push_back(v);
    // The client cache learns the viewport in a fixed order (the centre most recent), whatever
    // order the answers came in.
    for (auto it = visible.rbegin(); it != visible.rend(); ++it) {
      cache.Insert(TileUrl(slides[viewer.slide()], *it));
    }
    if (failed) return;
    if (o.moves > 0 && index >= o.moves) {
      out->completed = true;
      return;
    }
    const double think = viewer.ThinkMs();
    if (run.PastDeadline()) return;
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(think * 1000)));
    if (run.PastDeadline()) return;
    move = viewer.Move();
    if (move == MoveKind::kOpenSlide) {
      opened = OpenSlide(run, *conns[0], user, slides[viewer.slide()], &out->records);
      if (!opened.ok()) return;
      viewer.Opened(*opened);
    }
  }
}

void RunScan(Run& run, const std::string& id, std::vector<Record>* out) {
  auto conn = run.Connect("scan");
  auto info = OpenSlide(run, *conn, kScanUser, id, out);
  if (!info.ok()) return;
  const double rate = run.options().scan_rate;
  const auto start = Clock::now();
  uint64_t n = 0;
  while (!run.stopping()) {
    for (int z = info->levels - 1; z >= 0; --z) {
      for (int y = 0; y < info->TilesY(z); ++y) {
        for (int x = 0; x < info->TilesX(z); ++x) {
          if (run.stopping()) return;
          out->push_back(run.Fetch(*conn, kScanUser, Kind::kScan, TileUrl(id, {z, x, y}), -1));
          if (!out->back().ok()) return;
          if (rate > 0) {
            const auto due = start + std::chrono::microseconds(static_cast<int64_t>(
                                         1e6 * static_cast<double>(++n) / rate));
            if (!run.Sleep(
                    std::chrono::duration_cast<std::chrono::microseconds>(due - Clock::now())))
              return;
          }
        }
      }
    }
  }
}

void RunLister(Run& run, const std::vector<std::string>& items, std::vector<Record>* out) {
  auto conn = run.Connect("lister");
  const auto period =
      std::chrono::microseconds(static_cast<int64_t>(run.options().thumb_interval_s * 1e6));
  for (auto due = Clock::now(); !run.stopping();) {
    for (const std::string& id : items) {
      if (run.stopping()) return;
      out->push_back(run.Fetch(*conn, kListerUser, Kind::kThumb,
                               "/api/v1/item/" + id + "/tiles/thumbnail", -1));
      if (!out->back().ok()) return;
    }
    due += period;
    if (!run.Sleep(std::chrono::duration_cast<std::chrono::microseconds>(due - Clock::now())))
      return;
  }
}

ServerCounters FetchCounters(const ServerUrl& server) {
  HttpConnection c(server, "sim-counters", std::chrono::seconds(30));
  HttpResult r = c.Get("/api/v1/large_image/cache", /*keep_body=*/true);
  if (r.status != 200) return {};
  return ParseCounters(r.body);
}

}  // namespace tessera::sim
