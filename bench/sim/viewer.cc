#include "viewer.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace tessera::sim {

uint64_t Rng::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

int Rng::Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }

double Rng::Exponential(double mean) { return -std::log(1.0 - Uniform()) * mean; }

uint64_t StreamSeed(uint64_t seed, uint64_t index) {
  Rng r(seed * 0x100000001b3ULL + index);
  r.Next();
  return r.Next();
}

int64_t SlideInfo::LevelWidth(int z) const {
  const int shift = levels - 1 - z;
  return (size_x + (int64_t{1} << shift) - 1) >> shift;
}

int64_t SlideInfo::LevelHeight(int z) const {
  const int shift = levels - 1 - z;
  return (size_y + (int64_t{1} << shift) - 1) >> shift;
}

int SlideInfo::TilesX(int z) const {
  return static_cast<int>((LevelWidth(z) + tile_width - 1) / tile_width);
}

int SlideInfo::TilesY(int z) const {
  return static_cast<int>((LevelHeight(z) + tile_height - 1) / tile_height);
}

std::string TileUrl(const std::string& item_id, const TileRef& t) {
  return "/api/v1/item/" + item_id + "/tiles/zxy/" + std::to_string(t.z) + "/" +
         std::to_string(t.x) + "/" + std::to_string(t.y);
}

std::vector<TileRef> ViewportTiles(const SlideInfo& s, int z, double cx, double cy, int width,
                                   int height) {
  const double left = cx - width / 2.0, top = cy - height / 2.0;
  const int x0 = std::max(0, static_cast<int>(std::floor(left / s.tile_width)));
  const int y0 = std::max(0, static_cast<int>(std::floor(top / s.tile_height)));
  const int x1 =
      std::min(s.TilesX(z) - 1, static_cast<int>(std::ceil((left + width) / s.tile_width)) - 1);
  const int y1 =
      std::min(s.TilesY(z) - 1, static_cast<int>(std::ceil((top + height) / s.tile_height)) - 1);
  std::vector<std::tuple<double, int, int>> order;
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      const double dx = (x + 0.5) * s.tile_width - cx, dy = (y + 0.5) * s.tile_height - cy;
      order.emplace_back(dx * dx + dy * dy, y, x);
    }
  }
  std::sort(order.begin(), order.end());
  std::vector<TileRef> tiles;
  tiles.reserve(order.size());
  for (const auto& [d, y, x] : order) tiles.push_back({z, x, y});
  return tiles;
}

int HomeLevel(const SlideInfo& s, int width, int height) {
  for (int z = 0; z < s.levels; ++z) {
    if (s.LevelWidth(z) >= width || s.LevelHeight(z) >= height) return z;
  }
  return s.levels - 1;
}

const char* MoveName(MoveKind k) {
  switch (k) {
    case MoveKind::kStart:
      return "start";
    case MoveKind::kPan:
      return "pan";
    case MoveKind::kZoomIn:
      return "zoom-in";
    case MoveKind::kZoomOut:
      return "zoom-out";
    case MoveKind::kJump:
      return "jump";
    case MoveKind::kOpenSlide:
      return "open-slide";
  }
  return "?";
}

Viewer::Viewer(uint64_t seed, int slide_count, ViewerOptions options)
    : rng_(seed), opt_(options), slide_count_(std::max(1, slide_count)) {
  double sum = 0;
  for (int i = 0; i < slide_count_; ++i) {
    sum += 1.0 / std::pow(i + 1.0, opt_.slide_skew);
    slide_cdf_.push_back(sum);
  }
  for (double& c : slide_cdf_) c /= sum;
  slide_ = PickSlide();
}

int Viewer::PickSlide() {
  const double u = rng_.Uniform();
  for (int i = 0; i < slide_count_; ++i) {
    if (u < slide_cdf_[i]) return i;
  }
  return slide_count_ - 1;
}

void Viewer::Opened(const SlideInfo& info) {
  info_ = info;
  home_ = HomeLevel(info_, opt_.width, opt_.height);
  z_ = home_;
  cx_ = info_.LevelWidth(z_) / 2.0;
  cy_ = info_.LevelHeight(z_) / 2.0;
}

std::vector<TileRef> Viewer::Visible() const {
  return ViewportTiles(info_, z_, cx_, cy_, opt_.width, opt_.height);
}

double Viewer::ThinkMs() { return std::min(rng_.Exponential(opt_.think_ms), 4 * opt_.think_ms); }

void Viewer::Clamp() {
  cx_ = std::clamp(cx_, 0.0, static_cast<double>(info_.LevelWidth(z_)));
  cy_ = std::clamp(cy_, 0.0, static_cast<double>(info_.LevelHeight(z_)));
}

MoveKind Viewer::Move() {
  const double total = opt_.p_pan + opt_.p_zoom_in + opt_.p_zoom_out + opt_.p_jump + opt_.p_slide;
  double u = rng_.Uniform() * total;
  MoveKind kind = MoveKind::kOpenSlide;
  if ((u -= opt_.p_pan) < 0) {
    kind = MoveKind::kPan;
  } else if ((u -= opt_.p_zoom_in) < 0) {
    kind = MoveKind::kZoomIn;
  } else if ((u -= opt_.p_zoom_out) < 0) {
    kind = MoveKind::kZoomOut;
  } else if ((u -= opt_.p_jump) < 0) {
    kind = MoveKind::kJump;
  }
  const int max_z = info_.levels - 1;
  if (kind == MoveKind::kZoomIn && z_ >= max_z) kind = MoveKind::kZoomOut;
  if (kind == MoveKind::kZoomOut && z_ <= home_) {
    kind = z_ < max_z ? MoveKind::kZoomIn : MoveKind::kPan;  // one level only: pan
  }
  // The zoom point: anywhere in the window.
  const double px = cx_ + (rng_.Uniform() - 0.5) * opt_.width;
  const double py = cy_ + (rng_.Uniform() - 0.5) * opt_.height;
  switch (kind) {
    case MoveKind::kPan: {
      static constexpr int kDirs[8][2] = {{1, 0},  {1, 1},   {0, 1},  {-1, 1},
                                          {-1, 0}, {-1, -1}, {0, -1}, {1, -1}};
      const int d = rng_.Below(8);
      cx_ += kDirs[d][0] * opt_.width / 2.0;
      cy_ += kDirs[d][1] * opt_.height / 2.0;
      break;
    }
    case MoveKind::kZoomIn:  // the point stays under the pointer: c' = 2p - (p - c)
      ++z_;
      cx_ += px;
      cy_ += py;
      break;
    case MoveKind::kZoomOut:  // c' = p / 2 - (p - c)
      --z_;
      cx_ -= px / 2;
      cy_ -= py / 2;
      break;
    case MoveKind::kJump:
      z_ = home_ + rng_.Below(max_z - home_ + 1);
      cx_ = rng_.Uniform() * info_.LevelWidth(z_);
      cy_ = rng_.Uniform() * info_.LevelHeight(z_);
      break;
    case MoveKind::kOpenSlide:
    case MoveKind::kStart:
      slide_ = PickSlide();
      break;
  }
  Clamp();
  return kind;
}

bool ClientTileCache::Touch(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  lru_.splice(lru_.begin(), lru_, it->second);
  return true;
}

void ClientTileCache::Insert(const std::string& key) {
  if (capacity_ == 0 || Touch(key)) return;
  lru_.push_front(key);
  index_[key] = lru_.begin();
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back());
    lru_.pop_back();
  }
}

}  // namespace tessera::sim
