#include "source/synthetic_source.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/strings.h"

namespace tessera {
namespace {

// ---- frames --------------------------------------------------------------------------------

struct Axis {
  std::string key;  // "Index" (generic frames), "IndexC", "IndexZ", ...
  int64_t count = 1;
};

Status FramesError(std::string_view frames, std::string_view why) {
  return InvalidArgumentError("frames: '" + std::string(frames) + "' " + std::string(why) +
                              " (expected a count, \"c,z,t,xy\" counts or \"axis=count,...\")");
}

StatusOr<int64_t> ParseCount(std::string_view frames, std::string_view part) {
  auto n = ParseInt(part);
  if (!n || *n < 1 || *n > kMaxSyntheticFrames) {
    return FramesError(frames, "has a bad count '" + std::string(part) + "'");
  }
  return *n;
}

// The axes of `frames` in the order given (the first varies fastest), like large_image.
StatusOr<std::vector<Axis>> ParseFrames(std::string_view frames) {
  std::vector<Axis> axes;
  if (Trim(frames).empty()) return axes;
  const bool has_eq = frames.find('=') != std::string_view::npos;
  const bool has_comma = frames.find(',') != std::string_view::npos;
  if (!has_eq && !has_comma) {
    TS_ASSIGN_OR_RETURN(int64_t n, ParseCount(frames, frames));
    axes.push_back({"Index", n});
  } else if (!has_eq) {
    static constexpr std::array<std::string_view, 4> kNames = {"C", "Z", "T", "XY"};
    auto parts = Split(frames, ',');
    if (parts.size() > kNames.size()) return FramesError(frames, "has more than 4 counts");
    for (size_t i = 0; i < parts.size(); ++i) {
      TS_ASSIGN_OR_RETURN(int64_t n, ParseCount(frames, parts[i]));
      axes.push_back({"Index" + std::string(kNames[i]), n});
    }
  } else {
    for (std::string_view part : Split(frames, ',')) {
      size_t eq = part.find('=');
      if (eq == std::string_view::npos) return FramesError(frames, "mixes counts and axis=count");
      std::string_view name = Trim(part.substr(0, eq));
      if (name.empty()) return FramesError(frames, "has an empty axis name");
      for (char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
          return FramesError(frames, "has a bad axis name '" + std::string(name) + "'");
        }
      }
      TS_ASSIGN_OR_RETURN(int64_t n, ParseCount(frames, part.substr(eq + 1)));
      std::string key = "Index";
      for (char c : name) key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      for (const Axis& a : axes) {
        if (a.key == key) return FramesError(frames, "names an axis twice");
      }
      axes.push_back({key, n});
    }
  }
  int64_t total = 1;
  for (const Axis& a : axes) {
    total *= a.count;
    if (total > kMaxSyntheticFrames) {
      return FramesError(frames,
                         "has more than " + std::to_string(kMaxSyntheticFrames) + " frames");
    }
  }
  return axes;
}

// ---- drawing -------------------------------------------------------------------------------

// 3x5 glyphs, one row per entry, bit 2 = leftmost column.
constexpr std::array<std::array<uint8_t, 5>, 11> kGlyphs = {{
    {7, 5, 5, 5, 7},  // 0
    {2, 6, 2, 2, 7},  // 1
    {7, 1, 7, 4, 7},  // 2
    {7, 1, 7, 1, 7},  // 3
    {5, 5, 7, 1, 1},  // 4
    {7, 4, 7, 1, 7},  // 5
    {7, 4, 7, 5, 7},  // 6
    {7, 1, 1, 1, 1},  // 7
    {7, 5, 7, 5, 7},  // 8
    {7, 5, 7, 1, 7},  // 9
    {1, 1, 2, 4, 4},  // '/'
}};

// Fills [x0, x1) x [y0, y1), clipped to the image, with one pixel value.
void FillRect(Image* img, int64_t x0, int64_t y0, int64_t x1, int64_t y1, const uint8_t* color) {
  x0 = std::max<int64_t>(x0, 0);
  y0 = std::max<int64_t>(y0, 0);
  x1 = std::min<int64_t>(x1, img->width());
  y1 = std::min<int64_t>(y1, img->height());
  if (x0 >= x1 || y0 >= y1) return;
  const size_t bands = static_cast<size_t>(img->bands());
  uint8_t* first = img->row(static_cast<int>(y0)) + x0 * bands;
  for (int64_t x = 0; x < x1 - x0; ++x) std::memcpy(first + x * bands, color, bands);
  const size_t span = static_cast<size_t>(x1 - x0) * bands;
  for (int64_t y = y0 + 1; y < y1; ++y) {
    std::memcpy(img->row(static_cast<int>(y)) + x0 * bands, first, span);
  }
}

void DrawText(Image* img, std::string_view text, int64_t left, int64_t top, int scale,
              const uint8_t* color) {
  int64_t pen = left;
  for (char c : text) {
    int glyph = c == '/' ? 10 : (c >= '0' && c <= '9' ? c - '0' : -1);
    if (glyph >= 0) {
      for (int row = 0; row < 5; ++row) {
        for (int col = 0; col < 3; ++col) {
          if (kGlyphs[glyph][row] & (4 >> col)) {
            FillRect(img, pen + col * scale, top + row * scale, pen + (col + 1) * scale,
                     top + (row + 1) * scale, color);
          }
        }
      }
    }
    pen += 4 * scale;
  }
}

// Python's colorsys.hsv_to_rgb, then int(v * 255) per channel (clamped to 0..255).
std::array<uint8_t, 3> HsvToRgb(double h, double s, double v) {
  double r = v, g = v, b = v;
  if (s != 0.0) {
    int i = static_cast<int>(h * 6.0);
    double f = h * 6.0 - i;
    double p = v * (1.0 - s);
    double q = v * (1.0 - s * f);
    double t = v * (1.0 - s * (1.0 - f));
    switch (((i % 6) + 6) % 6) {
      case 0:
        r = v, g = t, b = p;
        break;
      case 1:
        r = q, g = v, b = p;
        break;
      case 2:
        r = p, g = v, b = t;
        break;
      case 3:
        r = p, g = q, b = v;
        break;
      case 4:
        r = t, g = p, b = v;
        break;
      default:
        r = v, g = p, b = q;
        break;
    }
  }
  auto to8 = [](double x) {
    return static_cast<uint8_t>(std::clamp(static_cast<int>(x * 255), 0, 255));
  };
  return {to8(r), to8(g), to8(b)};
}

// ---- the source ----------------------------------------------------------------------------

class SyntheticSource final : public TileSource {
 public:
  SyntheticSource(SourceMetadata meta, int min_level, bool fractal)
      : meta_(std::move(meta)), min_level_(min_level), fractal_(fractal) {}

  std::string_view format_name() const override { return "test"; }
  const SourceMetadata& metadata() const override { return meta_; }

  bool HasLevel(int frame, int level) const override {
    return frame >= 0 && frame < meta_.frame_count && level >= min_level_ && level < meta_.levels;
  }

  StatusOr<Image> ReadTile(int frame, int level, int64_t x, int64_t y) const override {
    if (frame < 0 || frame >= meta_.frame_count) {
      return OutOfRangeError("frame " + std::to_string(frame) + " is outside 0.." +
                             std::to_string(meta_.frame_count - 1));
    }
    if (level < min_level_ || level >= meta_.levels) {
      return OutOfRangeError("level " + std::to_string(level) + " is not stored (levels " +
                             std::to_string(min_level_) + ".." + std::to_string(meta_.levels - 1) +
                             ")");
    }
    const LevelSize size = GetLevelSize(level);
    const int tw = meta_.tile_width;
    const int th = meta_.tile_height;
    if (x < 0 || y < 0 || x * tw >= size.width || y * th >= size.height) {
      return OutOfRangeError("tile (" + std::to_string(x) + ", " + std::to_string(y) +
                             ") is outside level " + std::to_string(level));
    }

    // large_image's colour: hue from x, value from y, saturation from the frame (or y).
    const double scale = std::ldexp(1.0, meta_.levels - 1 - level);
    const double xf = (x + 0.5) * tw * scale / static_cast<double>(meta_.size_x);
    const double yf = (y + 0.5) * th * scale / static_cast<double>(meta_.size_y);
    const double ff =
        meta_.frame_count > 1 ? static_cast<double>(frame) / (meta_.frame_count - 1) : yf;
    const auto rgb = HsvToRgb(xf, 0.3 + 0.7 * ff, 0.3 + 0.7 * yf);
    const std::array<uint8_t, 3> white = {255, 255, 255};
    const std::array<uint8_t, 3> black = {0, 0, 0};
    const int bands = meta_.band_count;
    auto ink = [&](const std::array<uint8_t, 3>& c) {
      std::array<uint8_t, 3> v = c;
      if (bands == 1) {  // PIL's "L": ITU-R 601-2 luma, fixed point
        v[0] = static_cast<uint8_t>((c[0] * 19595 + c[1] * 38470 + c[2] * 7471 + 0x8000) >> 16);
      }
      return v;
    };
    const auto colour = ink(rgb);
    const auto paper = ink(white);
    const auto pen = ink(black);

    Image tile(tw, th, bands, PixelType::kU8);
    FillRect(&tile, 0, 0, tw, th, fractal_ ? paper.data() : colour.data());
    if (fractal_) DrawFractal(&tile, x, y, level, colour.data());

    // 1-pixel border.
    FillRect(&tile, 0, 0, tw, 1, pen.data());
    FillRect(&tile, 0, th - 1, tw, th, pen.data());
    FillRect(&tile, 0, 0, 1, th, pen.data());
    FillRect(&tile, tw - 1, 0, tw, th, pen.data());

    const int small = std::min(tw, th);
    const int glyph_scale = std::max(1, small / 64);
    const int margin = std::max(2, std::min(10, small / 16));
    DrawText(&tile, std::to_string(level) + "/" + std::to_string(x) + "/" + std::to_string(y),
             margin, margin, glyph_scale, pen.data());
    if (meta_.frame_count > 1) {
      DrawText(&tile, std::to_string(frame), margin, margin + 6 * glyph_scale, glyph_scale,
               pen.data());
    }
    return tile;
  }

 private:
  // large_image's TestTileSource.fractalTile (square power-of-two tiles).
  void DrawFractal(Image* tile, int64_t x, int64_t y, int level, const uint8_t* colour) const {
    const int64_t size = meta_.tile_width;
    const int64_t px = x * size;
    const int64_t py = y * size;
    for (int64_t sq = (int64_t{1} << level) * size; sq >= 4; sq /= 2) {
      const int64_t sq1 = sq / 4;
      const int64_t sq2 = sq1 + sq / 2;
      for (int64_t t = -(py % sq); t < size; t += sq) {
        if (t + sq1 >= size || t + sq2 < 0) continue;
        for (int64_t l = -(px % sq); l < size; l += sq) {
          if (l + sq1 >= size || l + sq2 < 0) continue;
          FillRect(tile, l + sq1, t + sq1, l + sq2, t + sq2, colour);
        }
      }
    }
  }

  const SourceMetadata meta_;
  const int min_level_;
  const bool fractal_;
};

Status CheckRange(const char* name, int64_t value, int64_t lo, int64_t hi) {
  if (value < lo || value > hi) {
    return InvalidArgumentError(std::string(name) + ": " + std::to_string(value) + " is outside " +
                                std::to_string(lo) + ".." + std::to_string(hi));
  }
  return Status::Ok();
}

}  // namespace

std::string SyntheticParams::Key() const {
  return "test?minLevel=" + std::to_string(min_level) + "&maxLevel=" + std::to_string(max_level) +
         "&tileWidth=" + std::to_string(tile_width) + "&tileHeight=" + std::to_string(tile_height) +
         "&sizeX=" + std::to_string(size_x) + "&sizeY=" + std::to_string(size_y) +
         "&fractal=" + (fractal ? "1" : "0") + "&monochrome=" + (monochrome ? "1" : "0") +
         "&frames=" + frames;
}

StatusOr<SyntheticParams> ParseSyntheticParams(
    const std::vector<std::pair<std::string, std::string>>& query) {
  SyntheticParams p;
  for (const auto& pair : query) {
    // Named references, not a structured binding: clang 14 (the fuzz build) cannot capture
    // structured bindings in the lambdas below.
    const std::string& key = pair.first;
    const std::string& value = pair.second;
    auto integer = [&](auto* out, int64_t lo, int64_t hi) -> Status {
      auto v = ParseInt(value);
      if (!v) return InvalidArgumentError(key + ": '" + value + "' is not an integer");
      TS_RETURN_IF_ERROR(CheckRange(key.c_str(), *v, lo, hi));
      *out = static_cast<std::remove_pointer_t<decltype(out)>>(*v);
      return Status::Ok();
    };
    auto boolean = [&](bool* out) -> Status {
      auto v = ParseBool(value);
      if (!v) return InvalidArgumentError(key + ": '" + value + "' is not a boolean");
      *out = *v;
      return Status::Ok();
    };
    if (key == "minLevel") {
      TS_RETURN_IF_ERROR(integer(&p.min_level, 0, 31));
    } else if (key == "maxLevel") {
      TS_RETURN_IF_ERROR(integer(&p.max_level, 0, 31));
    } else if (key == "tileWidth") {
      TS_RETURN_IF_ERROR(integer(&p.tile_width, 1, kMaxSyntheticTileSize));
    } else if (key == "tileHeight") {
      TS_RETURN_IF_ERROR(integer(&p.tile_height, 1, kMaxSyntheticTileSize));
    } else if (key == "sizeX") {
      TS_RETURN_IF_ERROR(integer(&p.size_x, 0, kMaxSyntheticSize));
    } else if (key == "sizeY") {
      TS_RETURN_IF_ERROR(integer(&p.size_y, 0, kMaxSyntheticSize));
    } else if (key == "fractal") {
      TS_RETURN_IF_ERROR(boolean(&p.fractal));
    } else if (key == "monochrome") {
      TS_RETURN_IF_ERROR(boolean(&p.monochrome));
    } else if (key == "frames") {
      TS_RETURN_IF_ERROR(ParseFrames(value).status());
      p.frames = value;
    }
  }
  return p;
}

StatusOr<std::unique_ptr<TileSource>> OpenSynthetic(const SyntheticParams& params) {
  TS_RETURN_IF_ERROR(CheckRange("minLevel", params.min_level, 0, 31));
  TS_RETURN_IF_ERROR(CheckRange("maxLevel", params.max_level, 0, 31));
  TS_RETURN_IF_ERROR(CheckRange("tileWidth", params.tile_width, 1, kMaxSyntheticTileSize));
  TS_RETURN_IF_ERROR(CheckRange("tileHeight", params.tile_height, 1, kMaxSyntheticTileSize));
  TS_RETURN_IF_ERROR(CheckRange("sizeX", params.size_x, 0, kMaxSyntheticSize));
  TS_RETURN_IF_ERROR(CheckRange("sizeY", params.size_y, 0, kMaxSyntheticSize));
  TS_ASSIGN_OR_RETURN(std::vector<Axis> axes, ParseFrames(params.frames));

  SourceMetadata meta;
  meta.tile_width = params.tile_width;
  meta.tile_height = params.tile_height;
  meta.size_x = params.size_x ? params.size_x : int64_t{params.tile_width} << params.max_level;
  meta.size_y = params.size_y ? params.size_y : int64_t{params.tile_height} << params.max_level;
  if (meta.size_x > kMaxSyntheticSize || meta.size_y > kMaxSyntheticSize) {
    return InvalidArgumentError("maxLevel: " + std::to_string(params.max_level) +
                                " makes the image larger than " +
                                std::to_string(kMaxSyntheticSize) + " pixels; lower it");
  }
  meta.levels = LevelCount(meta.size_x, meta.size_y, meta.tile_width, meta.tile_height);
  const int min_level = std::min(params.min_level, meta.levels - 1);
  meta.dtype = PixelType::kU8;
  meta.band_count = params.monochrome ? 1 : 3;

  int64_t total = 1;
  for (const Axis& a : axes) total *= a.count;
  if (total > 1) {
    meta.frame_count = static_cast<int>(total);
    meta.frames.reserve(static_cast<size_t>(total));
    for (int64_t f = 0; f < total; ++f) {
      FrameInfo info;
      // large_image lists the axes last-given first.
      int64_t stride = total;
      for (auto it = axes.rbegin(); it != axes.rend(); ++it) {
        stride /= it->count;
        if (it->count > 1) {
          info.indices.emplace_back(it->key, static_cast<int>((f / stride) % it->count));
        }
      }
      meta.frames.push_back(std::move(info));
    }
  }
  const bool fractal = params.fractal && params.tile_width == params.tile_height &&
                       (params.tile_width & (params.tile_width - 1)) == 0;
  meta.properties.emplace_back("test.fractal", fractal ? "true" : "false");
  meta.properties.emplace_back("test.monochrome", params.monochrome ? "true" : "false");
  meta.properties.emplace_back("test.minLevel", std::to_string(min_level));
  return std::unique_ptr<TileSource>(
      std::make_unique<SyntheticSource>(std::move(meta), min_level, fractal));
}

}  // namespace tessera
