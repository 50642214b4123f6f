// The simulated viewer: what one OpenSeadragon-like user looks at and where it moves next.
//
// Every decision (which slide, which move, where, how long to think) comes from the viewer's
// own seeded Rng and from the slides' metadata, never from timing, so the same seed replays the
// same sequence of viewports against any server that serves the same images. A viewport is the
// tiles of one level that intersect a `width` x `height` window centred on (cx, cy), in that
// level's pixels; level 0 is the smallest, levels-1 full resolution (large_image's zxy).
//
// ClientTileCache is the browser side: the last `capacity` tiles drawn (OpenSeadragon's
// maxImageCacheCount is 200); a tile still in it is not requested again.
//
// Thread-safety: none; each user owns its Viewer and ClientTileCache.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

namespace tessera::sim {

// SplitMix64: small, fast, and the same sequence on every platform and standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  double Uniform();  // [0, 1)
  int Below(int n);  // [0, n), n > 0
  double Exponential(double mean);

 private:
  uint64_t state_;
};

// A seed for stream `index` of run seed `seed` (user n, the scan job, ...).
uint64_t StreamSeed(uint64_t seed, uint64_t index);

struct SlideInfo {
  std::string id;
  int levels = 1;
  int64_t size_x = 0, size_y = 0;
  int tile_width = 256, tile_height = 256;

  int64_t LevelWidth(int z) const;  // pixels of level z (ceil)
  int64_t LevelHeight(int z) const;
  int TilesX(int z) const;
  int TilesY(int z) const;
};

struct TileRef {
  int z = 0, x = 0, y = 0;
};

std::string TileUrl(const std::string& item_id, const TileRef& t);

// Tiles of level z intersecting the window, nearest to the centre first (ties row-major).
std::vector<TileRef> ViewportTiles(const SlideInfo& s, int z, double cx, double cy, int width,
                                   int height);

// The overview level: the smallest level that covers the window in width or height, which is
// what OpenSeadragon draws at its home zoom (the image fitted to the window); levels-1 for an
// image smaller than the window.
int HomeLevel(const SlideInfo& s, int width, int height);

struct ViewerOptions {
  int width = 1280, height = 800;
  double think_ms = 1000;  // mean think time between moves (exponential, capped at 4x)
  // Probabilities of the moves (normalized); impossible zooms fall back to the other zoom.
  double p_pan = 0.50, p_zoom_in = 0.18, p_zoom_out = 0.15, p_jump = 0.12, p_slide = 0.05;
  double slide_skew = 0.8;  // Zipf exponent of slide popularity: users share the first slides
};

enum class MoveKind { kStart, kPan, kZoomIn, kZoomOut, kJump, kOpenSlide };
const char* MoveName(MoveKind k);

class Viewer {
 public:
  Viewer(uint64_t seed, int slide_count, ViewerOptions options);

  // The slide to open first / after a kOpenSlide move (an index into the caller's list).
  int slide() const { return slide_; }
  // Called with the metadata of slide() after opening it: resets the view to its overview.
  void Opened(const SlideInfo& info);
  std::vector<TileRef> Visible() const;
  // Think time before the next move, in ms.
  double ThinkMs();
  // Decides and applies the next move. After kOpenSlide, the caller opens slide() and calls
  // Opened() before Visible().
  MoveKind Move();

  int level() const { return z_; }
  double cx() const { return cx_; }
  double cy() const { return cy_; }

 private:
  int PickSlide();
  void Clamp();

  Rng rng_;
  ViewerOptions opt_;
  int slide_count_;
  std::vector<double> slide_cdf_;
  int slide_ = 0;
  SlideInfo info_;
  int home_ = 0;
  int z_ = 0;
  double cx_ = 0, cy_ = 0;
};

class ClientTileCache {
 public:
  explicit ClientTileCache(size_t capacity) : capacity_(capacity) {}
  bool Contains(const std::string& key) const { return index_.count(key) != 0; }
  // True (and the tile becomes the most recent) when `key` is cached.
  bool Touch(const std::string& key);
  // Makes `key` the most recent tile, evicting the least recent beyond the capacity.
  void Insert(const std::string& key);
  size_t size() const { return lru_.size(); }

 private:
  size_t capacity_;
  std::list<std::string> lru_;  // front = most recent
  std::unordered_map<std::string, std::list<std::string>::iterator> index_;
};

}  // namespace tessera::sim
