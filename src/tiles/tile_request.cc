#include "tiles/tile_request.h"

#include <cstdio>

#include "core/strings.h"

namespace tessera {

std::string EdgeOptions::CacheKey() const {
  switch (mode) {
    case Mode::kNone:
      return "e0";
    case Mode::kCrop:
      return "crop";
    case Mode::kFill: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "fill%g,%g,%g,%g", color.r, color.g, color.b, color.a);
      return buf;
    }
  }
  return "e?";
}

StatusOr<EdgeOptions> ParseEdge(std::string_view text) {
  EdgeOptions e;
  std::string t = ToLower(Trim(text));
  if (t.empty() || t == "false" || t == "0" || t == "none") return e;
  if (t == "true" || t == "1" || t == "crop") {
    e.mode = EdgeOptions::Mode::kCrop;
    return e;
  }
  auto color = ParseColor(t);
  if (!color.ok()) {
    return InvalidArgumentError("Invalid edge '" + std::string(text) +
                                "': use false, true, crop or a colour");
  }
  e.mode = EdgeOptions::Mode::kFill;
  e.color = *color;
  return e;
}

std::string UnstyledTileKey(const std::string& source_key, int frame, int level, int64_t x,
                            int64_t y) {
  std::string k;
  k.reserve(source_key.size() + 40);
  k += "u|";
  k += source_key;
  k += '|';
  k += std::to_string(frame);
  k += '/';
  k += std::to_string(level);
  k += '/';
  k += std::to_string(x);
  k += '/';
  k += std::to_string(y);
  return k;
}

std::string EncodedTileKey(const TileRequest& r) {
  std::string k;
  k.reserve(r.source.key.size() + r.style.size() + 64);
  k += "t|";
  k += r.source.key;
  k += '|';
  k += std::to_string(r.frame);
  k += '/';
  k += std::to_string(r.level);
  k += '/';
  k += std::to_string(r.x);
  k += '/';
  k += std::to_string(r.y);
  k += '|';
  k += r.encode.CacheKey();
  k += '|';
  k += r.edge.CacheKey();
  k += '|';
  k += r.style;
  return k;
}

std::string ThumbnailKey(const ThumbnailRequest& r) {
  std::string k = "th|" + r.source.key + '|' + std::to_string(r.frame) + '|' +
                  (r.width ? std::to_string(*r.width) : "-") + 'x' +
                  (r.height ? std::to_string(*r.height) : "-") + '|' + r.encode.CacheKey() + '|';
  if (r.fill) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%s%g,%g,%g,%g", r.fill_corner ? "c" : "", r.fill->r, r.fill->g,
                  r.fill->b, r.fill->a);
    k += buf;
  }
  k += '|';
  k += r.style;
  return k;
}

std::string StyledSourceKey(const std::string& source_key, const std::string& style,
                            const EncodeOptions& encode) {
  return source_key + '|' + encode.CacheKey() + '|' + style;
}

}  // namespace tessera
