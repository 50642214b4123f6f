#include "source/openslide_source.h"

#include <openslide/openslide.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/strings.h"

namespace tessera {
namespace {

struct SlideCloser {
  void operator()(openslide_t* slide) const {
    if (slide) openslide_close(slide);
  }
};
using SlidePtr = std::unique_ptr<openslide_t, SlideCloser>;

// large_image's nearPowerOfTwo tolerance: the log2 of a level's scale may be off by this much.
constexpr double kLog2Tolerance = 0.02;
// OpenSlide 3.4.1 keeps a 32 MiB tile cache per handle.
constexpr size_t kOpenSlideCacheBytes = size_t{32} << 20;
// Associated images larger than this are refused (they are decoded whole).
constexpr int64_t kMaxAssociatedPixels = int64_t{1} << 28;

// True when a / b is nearly 2^k for an integer k (large_image.tilesource.nearPowerOfTwo).
bool NearPowerOfTwo(double a, double b) {
  if (a <= 0 || b <= 0) return false;
  double r = std::log2(a / b);
  return std::fabs(r - std::round(r)) < kLog2Tolerance;
}

// OpenSlide's premultiplied native-endian ARGB to straight RGBA. Fully transparent pixels get
// `background` (alpha stays 0) when given, as large_image does.
void ArgbToRgba(const uint32_t* src, size_t count, const std::optional<std::array<uint8_t, 3>>& bg,
                uint8_t* dst) {
  for (size_t i = 0; i < count; ++i, dst += 4) {
    const uint32_t p = src[i];
    const uint32_t a = p >> 24;
    const uint32_t r = (p >> 16) & 0xff;
    const uint32_t g = (p >> 8) & 0xff;
    const uint32_t b = p & 0xff;
    if (a == 255) {
      dst[0] = static_cast<uint8_t>(r);
      dst[1] = static_cast<uint8_t>(g);
      dst[2] = static_cast<uint8_t>(b);
    } else if (a == 0) {
      dst[0] = bg ? (*bg)[0] : 0;
      dst[1] = bg ? (*bg)[1] : 0;
      dst[2] = bg ? (*bg)[2] : 0;
    } else {
      // Same integer un-premultiplication as openslide-python and libvips.
      dst[0] = static_cast<uint8_t>(std::min<uint32_t>(255, r * 255 / a));
      dst[1] = static_cast<uint8_t>(std::min<uint32_t>(255, g * 255 / a));
      dst[2] = static_cast<uint8_t>(std::min<uint32_t>(255, b * 255 / a));
    }
    dst[3] = static_cast<uint8_t>(a);
  }
}

// One large_image level that OpenSlide stores.
struct StoredLevel {
  int32_t os_level = 0;
  double downsample = 1;
  int64_t width = 0;  // OpenSlide's extent of the level
  int64_t height = 0;
};

struct Bounds {
  int64_t x = 0;
  int64_t y = 0;
};

class OpenSlideSource final : public TileSource {
 public:
  OpenSlideSource(std::string path, SlidePtr slide, SourceMetadata meta,
                  std::vector<std::optional<StoredLevel>> stored, std::optional<Bounds> bounds,
                  std::optional<std::array<uint8_t, 3>> background,
                  std::vector<std::string> associated)
      : path_(std::move(path)),
        slide_(std::move(slide)),
        meta_(std::move(meta)),
        stored_(std::move(stored)),
        bounds_(bounds),
        background_(background),
        associated_(std::move(associated)) {}

  std::string_view format_name() const override { return "openslide"; }
  const SourceMetadata& metadata() const override { return meta_; }

  LevelSize GetLevelSize(int level) const override {
    if (!bounds_ && level >= 0 && level < static_cast<int>(stored_.size()) && stored_[level]) {
      return LevelSize{stored_[level]->width, stored_[level]->height};
    }
    return TileSource::GetLevelSize(level);
  }

  bool HasLevel(int frame, int level) const override {
    return frame == 0 && level >= 0 && level < static_cast<int>(stored_.size()) &&
           stored_[level].has_value();
  }

  StatusOr<Image> ReadTile(int frame, int level, int64_t x, int64_t y) const override {
    if (!HasLevel(frame, level)) {
      return OutOfRangeError(path_ + ": frame " + std::to_string(frame) + " level " +
                             std::to_string(level) + " is not stored");
    }
    const LevelSize size = GetLevelSize(level);
    const int tw = meta_.tile_width;
    const int th = meta_.tile_height;
    if (x < 0 || y < 0 || x * tw >= size.width || y * th >= size.height) {
      return OutOfRangeError(path_ + ": tile (" + std::to_string(x) + ", " + std::to_string(y) +
                             ") is outside level " + std::to_string(level));
    }
    TS_RETURN_IF_ERROR(CheckHandle());
    const StoredLevel& s = *stored_[level];
    // OpenSlide wants level-0 coordinates; it divides them by its (not always exact) downsample.
    int64_t x0 = std::llround(static_cast<double>(x * tw) * s.downsample);
    int64_t y0 = std::llround(static_cast<double>(y * th) * s.downsample);
    if (bounds_) {
      x0 += bounds_->x;
      y0 += bounds_->y;
    }
    std::vector<uint32_t> argb(static_cast<size_t>(tw) * th);
    openslide_read_region(slide_.get(), argb.data(), x0, y0, s.os_level, tw, th);
    if (const char* err = openslide_get_error(slide_.get())) {
      return DataLossError(path_ + ": OpenSlide failed reading tile (level " +
                           std::to_string(level) + ", " + std::to_string(x) + ", " +
                           std::to_string(y) + "): " + err);
    }
    Image out(tw, th, 4, PixelType::kU8);
    ArgbToRgba(argb.data(), argb.size(), background_, out.data());
    return out;
  }

  std::vector<std::string> AssociatedImageNames() const override { return associated_; }

  StatusOr<Image> ReadAssociatedImage(std::string_view name) const override {
    std::string key(name);
    bool known = false;
    for (const auto& n : associated_) known = known || n == key;
    if (!known) return NotFoundError(path_ + ": no associated image named '" + key + "'");
    TS_RETURN_IF_ERROR(CheckHandle());
    int64_t w = -1;
    int64_t h = -1;
    openslide_get_associated_image_dimensions(slide_.get(), key.c_str(), &w, &h);
    if (const char* err = openslide_get_error(slide_.get())) {
      return DataLossError(path_ + ": OpenSlide failed on associated image '" + key + "': " + err);
    }
    if (w <= 0 || h <= 0 || w > INT32_MAX || h > INT32_MAX || w * h > kMaxAssociatedPixels) {
      return UnsupportedError(path_ + ": associated image '" + key + "' has unusable size " +
                              std::to_string(w) + "x" + std::to_string(h));
    }
    std::vector<uint32_t> argb(static_cast<size_t>(w * h));
    openslide_read_associated_image(slide_.get(), key.c_str(), argb.data());
    if (const char* err = openslide_get_error(slide_.get())) {
      return DataLossError(path_ + ": OpenSlide failed reading associated image '" + key +
                           "': " + err);
    }
    Image out(static_cast<int>(w), static_cast<int>(h), 4, PixelType::kU8);
    ArgbToRgba(argb.data(), argb.size(), std::nullopt, out.data());
    return out;
  }

  size_t MemoryEstimate() const override { return kOpenSlideCacheBytes + 64 * 1024; }
  int OpenFileCount() const override { return 1; }

 private:
  // A handle that failed once stays failed (OpenSlide's rule).
  Status CheckHandle() const {
    if (const char* err = openslide_get_error(slide_.get())) {
      return DataLossError(path_ + ": OpenSlide handle failed earlier and cannot read: " + err);
    }
    return Status::Ok();
  }

  const std::string path_;
  const SlidePtr slide_;
  const SourceMetadata meta_;
  const std::vector<std::optional<StoredLevel>> stored_;  // indexed by large_image level
  const std::optional<Bounds> bounds_;
  const std::optional<std::array<uint8_t, 3>> background_;
  const std::vector<std::string> associated_;
};

std::optional<int64_t> IntProperty(const std::map<std::string, std::string>& props,
                                   const std::string& key) {
  auto it = props.find(key);
  if (it == props.end()) return std::nullopt;
  return ParseInt(it->second);
}

std::optional<double> DoubleProperty(const std::map<std::string, std::string>& props,
                                     const std::string& key) {
  auto it = props.find(key);
  if (it == props.end()) return std::nullopt;
  return ParseDouble(it->second);
}

std::optional<std::array<uint8_t, 3>> ParseBackground(const std::map<std::string, std::string>& p) {
  auto it = p.find("openslide.background-color");
  if (it == p.end() || it->second.size() != 6) return std::nullopt;
  std::array<uint8_t, 3> rgb{};
  for (int i = 0; i < 3; ++i) {
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      char c = it->second[i * 2 + k];
      int d = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) return std::nullopt;
      v = v * 16 + d;
    }
    rgb[i] = static_cast<uint8_t>(v);
  }
  return rgb;
}

// large_image's _getTileSize.
std::pair<int, int> PickTileSize(const std::map<std::string, std::string>& props, int64_t size_x,
                                 int64_t size_y) {
  int64_t w = IntProperty(props, "openslide.level[0].tile-width").value_or(256);
  int64_t h = IntProperty(props, "openslide.level[0].tile-height").value_or(256);
  if (w < 4 || w > 65536) w = 256;
  if (h < 4 || h > 65536) h = 256;
  if (static_cast<double>(std::max(w, h)) / static_cast<double>(std::min(w, h)) >= 4) {
    w = h = 256;
  }
  return {static_cast<int>(std::min(w, size_x)), static_cast<int>(std::min(h, size_y))};
}

StatusOr<SlidePtr> OpenHandle(const std::string& path) {
  SlidePtr slide(openslide_open(path.c_str()));
  if (!slide) return UnsupportedError(path + ": not a slide format OpenSlide reads");
  if (const char* err = openslide_get_error(slide.get())) {
    return UnsupportedError(path + ": OpenSlide cannot open it: " + err);
  }
  return slide;
}

StatusOr<std::unique_ptr<TileSource>> OpenOpenSlide(const std::string& path,
                                                    const OpenOptions& options) {
  TS_ASSIGN_OR_RETURN(FileStat stat, options.fs->Stat(path));
  if (!stat.is_regular) return UnsupportedError(path + ": not a regular file");
  TS_ASSIGN_OR_RETURN(SlidePtr slide, OpenHandle(path));

  std::map<std::string, std::string> props;
  SourceMetadata meta;
  if (const char* const* names = openslide_get_property_names(slide.get())) {
    for (; *names; ++names) {
      const char* value = openslide_get_property_value(slide.get(), *names);
      props[*names] = value ? value : "";
      meta.properties.emplace_back(*names, value ? value : "");
    }
  }

  // OpenSlide levels, highest resolution first; a level whose first pixel cannot be read is
  // dropped (large_image's _getAvailableLevels). A failed read leaves the handle in error, so
  // the file is reopened after one.
  const int32_t count = openslide_get_level_count(slide.get());
  if (count < 1) return DataLossError(path + ": OpenSlide reports no levels");
  std::vector<StoredLevel> os_levels;
  for (int32_t i = 0; i < count; ++i) {
    StoredLevel l;
    l.os_level = i;
    openslide_get_level_dimensions(slide.get(), i, &l.width, &l.height);
    l.downsample = openslide_get_level_downsample(slide.get(), i);
    uint32_t pixel = 0;
    openslide_read_region(slide.get(), &pixel, 0, 0, i, 1, 1);
    if (const char* err = openslide_get_error(slide.get())) {
      if (i == 0) {
        return DataLossError(path + ": OpenSlide cannot read the full-resolution level: " + err);
      }
      TS_ASSIGN_OR_RETURN(slide, OpenHandle(path));
      continue;
    }
    if (l.width > 0 && l.height > 0 && l.downsample > 0) os_levels.push_back(l);
  }
  if (os_levels.empty() || os_levels.front().os_level != 0) {
    return DataLossError(path + ": OpenSlide reports an empty full-resolution level");
  }

  const StoredLevel& base = os_levels.front();
  meta.size_x = base.width;
  meta.size_y = base.height;
  auto [tw, th] = PickTileSize(props, meta.size_x, meta.size_y);
  meta.tile_width = tw;
  meta.tile_height = th;

  // Crop to openslide.bounds-* when they describe a proper sub-rectangle (large_image).
  std::optional<Bounds> bounds;
  {
    auto bx = IntProperty(props, "openslide.bounds-x");
    auto by = IntProperty(props, "openslide.bounds-y");
    auto bw = IntProperty(props, "openslide.bounds-width");
    auto bh = IntProperty(props, "openslide.bounds-height");
    if (bx && by && bw && bh && *bx >= 0 && *bw > 0 && *bx + *bw <= meta.size_x && *by >= 0 &&
        *bh > 0 && *by + *bh <= meta.size_y && (*bw < meta.size_x || *bh < meta.size_y)) {
      bounds = Bounds{*bx, *by};
      meta.size_x = *bw;
      meta.size_y = *bh;
    }
  }
  if (meta.size_x > options.max_dimension || meta.size_y > options.max_dimension) {
    return UnsupportedError(path + ": " + std::to_string(meta.size_x) + "x" +
                            std::to_string(meta.size_y) + " exceeds the size limit");
  }
  meta.levels = LevelCount(meta.size_x, meta.size_y, meta.tile_width, meta.tile_height);

  std::vector<std::optional<StoredLevel>> stored(meta.levels);
  std::string stored_list;
  for (int z = 0; z < meta.levels; ++z) {
    const int shift = meta.levels - 1 - z;
    const double scale = std::ldexp(1.0, shift);
    for (const StoredLevel& l : os_levels) {
      if (std::fabs(std::log2(l.downsample) - shift) < kLog2Tolerance &&
          NearPowerOfTwo(static_cast<double>(base.width), static_cast<double>(l.width)) &&
          NearPowerOfTwo(static_cast<double>(base.height), static_cast<double>(l.height)) &&
          std::llround(static_cast<double>(base.width) / static_cast<double>(l.width)) ==
              std::llround(scale)) {
        stored[z] = l;
        break;
      }
    }
    if (stored[z]) stored_list += (stored_list.empty() ? "" : ",") + std::to_string(z);
  }
  if (!stored.back()) {
    return InternalError(path + ": full-resolution level did not map to large_image's levels");
  }
  meta.properties.emplace_back("tessera.storedLevels", stored_list);

  meta.dtype = PixelType::kU8;
  meta.band_count = 4;
  auto mpp_x = DoubleProperty(props, "openslide.mpp-x");
  auto mpp_y = DoubleProperty(props, "openslide.mpp-y");
  if (mpp_x && mpp_y && *mpp_x > 0 && *mpp_y > 0) {
    meta.mm_x = *mpp_x * 0.001;
    meta.mm_y = *mpp_y * 0.001;
  }
  auto mag = DoubleProperty(props, "openslide.objective-power");
  if (mag && *mag > 0) {
    meta.magnification = *mag;
  } else if (meta.mm_x) {
    meta.magnification = 0.01 / *meta.mm_x;
  }

  std::vector<std::string> associated;
  if (const char* const* names = openslide_get_associated_image_names(slide.get())) {
    for (; *names; ++names) associated.emplace_back(*names);
  }

  return std::unique_ptr<TileSource>(
      std::make_unique<OpenSlideSource>(path, std::move(slide), std::move(meta), std::move(stored),
                                        bounds, ParseBackground(props), std::move(associated)));
}

int ProbeOpenSlide(const std::string& path, std::string_view) {
  const char* vendor = openslide_detect_vendor(path.c_str());
  if (!vendor) return 0;
  std::string_view v(vendor);
  if (v == "aperio" || v == "generic-tiff") return 10;
  return 100;
}

}  // namespace

FormatEntry OpenSlideFormat() {
  FormatEntry e;
  e.name = "openslide";
  e.probe = ProbeOpenSlide;
  e.open = OpenOpenSlide;
  return e;
}

}  // namespace tessera
