#include "api/iiif_params.h"

#include <algorithm>
#include <cmath>

#include "core/strings.h"

namespace tessera {
namespace {

// A non-negative decimal as the IIIF grammar writes numbers: digits with an optional fraction
// ("12", "12.5", ".5"); no sign, exponent or spaces.
std::optional<double> Decimal(std::string_view s) {
  if (s.empty() || s.size() > 40) return std::nullopt;
  bool digit = false, dot = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  return ParseDouble(s);
}

// A non-negative integer of at most 15 digits.
std::optional<int64_t> Count(std::string_view s) {
  if (s.empty() || s.size() > 15) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return ParseInt(s);
}

// FormatDouble (std::to_chars): snprintf's %g was a measurable share of an IIIF cache hit.
std::string Number(double v) { return FormatDouble(v); }

Status RegionError(std::string_view text, std::string_view why) {
  return InvalidArgumentError("Invalid IIIF region '" + std::string(text) +
                              "': " + std::string(why));
}

Status SizeError(std::string_view text, std::string_view why) {
  return InvalidArgumentError("Invalid IIIF size '" + std::string(text) + "': " + std::string(why));
}

int64_t AtLeastOne(double v) { return std::max<int64_t>(1, std::llround(v)); }

// `max` / `^max`: the region scaled to fit the limits (and, without ^, not above 100%).
IiifOutputSize FitToLimits(int64_t rw, int64_t rh, const IiifLimits& limits, bool upscale) {
  const double w = static_cast<double>(rw), h = static_cast<double>(rh);
  double scale = std::min(static_cast<double>(limits.max_width) / w,
                          static_cast<double>(limits.max_height) / h);
  scale = std::min(scale, std::sqrt(static_cast<double>(limits.max_area) / (w * h)));
  if (!upscale) scale = std::min(scale, 1.0);
  if (scale == 1.0) return {rw, rh};
  // The epsilon keeps w * (limit / w) from flooring to limit - 1.
  IiifOutputSize out{std::max<int64_t>(1, static_cast<int64_t>(std::floor(w * scale + 1e-6))),
                     std::max<int64_t>(1, static_cast<int64_t>(std::floor(h * scale + 1e-6)))};
  // Floating point may land one pixel over a limit; step back inside.
  out.width = std::min(out.width, limits.max_width);
  out.height = std::min(out.height, limits.max_height);
  while (static_cast<uint64_t>(out.width) * static_cast<uint64_t>(out.height) > limits.max_area &&
         out.width > 1 && out.height > 1) {
    if (out.width >= out.height) {
      --out.width;
    } else {
      --out.height;
    }
  }
  return out;
}

}  // namespace

bool IiifRotation::IsRightAngle() const { return std::fmod(degrees, 90.0) == 0; }

std::string IiifImageRequest::Key() const {
  std::string k = "r" + std::to_string(static_cast<int>(region.kind)) + ":" + Number(region.x) +
                  "," + Number(region.y) + "," + Number(region.w) + "," + Number(region.h);
  k += "|s" + std::to_string(static_cast<int>(size.kind)) + (size.upscale ? "^" : "") + ":" +
       std::to_string(size.w) + "," + std::to_string(size.h) + "," + Number(size.percent);
  k += "|" + std::string(rotation.mirror ? "!" : "") + Number(rotation.degrees);
  k += "|" + std::string(IiifQualityName(quality)) + "." + std::string(IiifFormatName(format));
  return k;
}

std::string_view IiifQualityName(IiifQuality q) {
  switch (q) {
    case IiifQuality::kColor:
      return "color";
    case IiifQuality::kGray:
      return "gray";
    case IiifQuality::kBitonal:
      return "bitonal";
    case IiifQuality::kDefault:
      break;
  }
  return "default";
}

std::string_view IiifFormatName(Encoding e) {
  switch (e) {
    case Encoding::kPng:
      return "png";
    case Encoding::kWebp:
      return "webp";
    case Encoding::kTiff:
      return "tif";
    case Encoding::kJpeg:
      break;
  }
  return "jpg";
}

StatusOr<IiifRegion> ParseIiifRegion(std::string_view text) {
  IiifRegion r;
  if (text == "full") return r;
  if (text == "square") {
    r.kind = IiifRegion::Kind::kSquare;
    return r;
  }
  std::string_view body = text;
  const bool percent = body.rfind("pct:", 0) == 0;
  if (percent) body.remove_prefix(4);
  auto parts = Split(body, ',');
  if (parts.size() != 4) {
    return RegionError(text, "use full, square, x,y,w,h or pct:x,y,w,h");
  }
  double v[4];
  for (int i = 0; i < 4; ++i) {
    std::optional<double> n;
    if (percent) {
      n = Decimal(parts[i]);
    } else if (auto c = Count(parts[i])) {
      n = static_cast<double>(*c);
    }
    if (!n) {
      return RegionError(text, percent ? "percentages must be non-negative numbers"
                                       : "x, y, w and h must be non-negative integers");
    }
    v[i] = *n;
  }
  if (v[2] <= 0 || v[3] <= 0) return RegionError(text, "width and height must be above zero");
  if (percent && (v[0] >= 100 || v[1] >= 100)) {
    return RegionError(text, "the region is outside the image");
  }
  r.kind = percent ? IiifRegion::Kind::kPercent : IiifRegion::Kind::kPixels;
  r.x = v[0];
  r.y = v[1];
  r.w = v[2];
  r.h = v[3];
  return r;
}

StatusOr<IiifSize> ParseIiifSize(std::string_view text) {
  IiifSize s;
  std::string_view body = text;
  if (!body.empty() && body.front() == '^') {
    s.upscale = true;
    body.remove_prefix(1);
  }
  if (body == "max") return s;
  if (body == "full") {
    return SizeError(text, "'full' was replaced by 'max' in IIIF Image API 3.0");
  }
  if (body.rfind("pct:", 0) == 0) {
    auto n = Decimal(body.substr(4));
    if (!n) return SizeError(text, "pct:n needs a non-negative number");
    if (*n <= 0) return SizeError(text, "the percentage must be above zero");
    if (*n > 100 && !s.upscale) {
      return SizeError(text, "sizes above 100% need the ^ prefix");
    }
    s.kind = IiifSize::Kind::kPercent;
    s.percent = *n;
    return s;
  }
  bool confined = false;
  if (!body.empty() && body.front() == '!') {
    confined = true;
    body.remove_prefix(1);
  }
  const size_t comma = body.find(',');
  if (comma == std::string_view::npos) {
    return SizeError(text, "use max, w,, ,h, w,h, !w,h or pct:n, optionally after ^");
  }
  std::string_view ws = body.substr(0, comma), hs = body.substr(comma + 1);
  // -1: absent.
  const int64_t w = ws.empty() ? -1 : Count(ws).value_or(-2);
  const int64_t h = hs.empty() ? -1 : Count(hs).value_or(-2);
  if (w == -2 || h == -2 || (w == -1 && h == -1)) {
    return SizeError(text, "width and height must be positive integers");
  }
  if (w == 0 || h == 0) return SizeError(text, "width and height must be above zero");
  if (confined && (w < 0 || h < 0)) {
    return SizeError(text, "!w,h needs both a width and a height");
  }
  s.w = std::max<int64_t>(w, 0);
  s.h = std::max<int64_t>(h, 0);
  s.kind = confined         ? IiifSize::Kind::kConfined
           : w > 0 && h > 0 ? IiifSize::Kind::kExact
           : w > 0          ? IiifSize::Kind::kWidth
                            : IiifSize::Kind::kHeight;
  return s;
}

StatusOr<IiifRotation> ParseIiifRotation(std::string_view text) {
  IiifRotation r;
  std::string_view body = text;
  if (!body.empty() && body.front() == '!') {
    r.mirror = true;
    body.remove_prefix(1);
  }
  auto n = Decimal(body);
  if (!n || *n > 360) {
    return InvalidArgumentError("Invalid IIIF rotation '" + std::string(text) +
                                "': use a number of degrees from 0 to 360, optionally after !");
  }
  r.degrees = *n == 360 ? 0 : *n;
  return r;
}

StatusOr<IiifQuality> ParseIiifQuality(std::string_view text) {
  if (text == "default") return IiifQuality::kDefault;
  if (text == "color") return IiifQuality::kColor;
  if (text == "gray") return IiifQuality::kGray;
  if (text == "bitonal") return IiifQuality::kBitonal;
  return InvalidArgumentError("Invalid IIIF quality '" + std::string(text) +
                              "': use default, color, gray or bitonal");
}

StatusOr<Encoding> ParseIiifFormat(std::string_view text) {
  if (text == "jpg") return Encoding::kJpeg;
  if (text == "png") return Encoding::kPng;
  if (text == "webp") return Encoding::kWebp;
  if (text == "tif") return Encoding::kTiff;
  return InvalidArgumentError("Invalid IIIF format '" + std::string(text) +
                              "': use jpg, png, webp or tif");
}

StatusOr<IiifImageRequest> ParseIiifImageRequest(std::string_view region, std::string_view size,
                                                 std::string_view rotation,
                                                 std::string_view quality_format) {
  IiifImageRequest r;
  TS_ASSIGN_OR_RETURN(r.region, ParseIiifRegion(region));
  TS_ASSIGN_OR_RETURN(r.size, ParseIiifSize(size));
  TS_ASSIGN_OR_RETURN(r.rotation, ParseIiifRotation(rotation));
  const size_t dot = quality_format.rfind('.');
  if (dot == std::string_view::npos) {
    return InvalidArgumentError("Invalid IIIF quality and format '" + std::string(quality_format) +
                                "': use {quality}.{format}, for example default.jpg");
  }
  TS_ASSIGN_OR_RETURN(r.quality, ParseIiifQuality(quality_format.substr(0, dot)));
  TS_ASSIGN_OR_RETURN(r.format, ParseIiifFormat(quality_format.substr(dot + 1)));
  return r;
}

StatusOr<Rect> ResolveIiifRegion(const IiifRegion& region, int64_t width, int64_t height) {
  if (width <= 0 || height <= 0) return InvalidArgumentError("The image is empty");
  switch (region.kind) {
    case IiifRegion::Kind::kFull:
      return Rect{0, 0, width, height};
    case IiifRegion::Kind::kSquare: {
      const int64_t side = std::min(width, height);  // centred in the longer dimension
      return Rect{(width - side) / 2, (height - side) / 2, side, side};
    }
    case IiifRegion::Kind::kPixels: {
      const auto x = static_cast<int64_t>(region.x), y = static_cast<int64_t>(region.y);
      if (x >= width || y >= height) {
        return InvalidArgumentError("Invalid IIIF region: " + std::to_string(x) + "," +
                                    std::to_string(y) + " is outside the image (" +
                                    std::to_string(width) + "x" + std::to_string(height) + ")");
      }
      return Rect{x, y, std::min(static_cast<int64_t>(region.w), width - x),
                  std::min(static_cast<int64_t>(region.h), height - y)};
    }
    case IiifRegion::Kind::kPercent:
      break;
  }
  const double w = static_cast<double>(width), h = static_cast<double>(height);
  const int64_t left = std::llround(region.x * w / 100);
  const int64_t top = std::llround(region.y * h / 100);
  if (left >= width || top >= height) {
    return InvalidArgumentError("Invalid IIIF region: pct:" + Number(region.x) + "," +
                                Number(region.y) + " is outside the image");
  }
  // A sliver narrower than a pixel still yields one pixel.
  const int64_t right =
      std::clamp<int64_t>(std::llround((region.x + region.w) * w / 100), left + 1, width);
  const int64_t bottom =
      std::clamp<int64_t>(std::llround((region.y + region.h) * h / 100), top + 1, height);
  return Rect{left, top, right - left, bottom - top};
}

StatusOr<IiifOutputSize> ResolveIiifSize(const IiifSize& size, int64_t rw, int64_t rh,
                                         const IiifLimits& limits) {
  if (rw <= 0 || rh <= 0) return InvalidArgumentError("Invalid IIIF region: it is empty");
  const double w = static_cast<double>(rw), h = static_cast<double>(rh);
  IiifOutputSize out;
  switch (size.kind) {
    case IiifSize::Kind::kMax:
      return FitToLimits(rw, rh, limits, size.upscale);
    case IiifSize::Kind::kWidth:
      out = {size.w, AtLeastOne(h * static_cast<double>(size.w) / w)};
      break;
    case IiifSize::Kind::kHeight:
      out = {AtLeastOne(w * static_cast<double>(size.h) / h), size.h};
      break;
    case IiifSize::Kind::kExact:
      out = {size.w, size.h};
      break;
    case IiifSize::Kind::kPercent:
      out = {AtLeastOne(w * size.percent / 100), AtLeastOne(h * size.percent / 100)};
      break;
    case IiifSize::Kind::kConfined: {
      const double sx = static_cast<double>(size.w) / w, sy = static_cast<double>(size.h) / h;
      if (!size.upscale && sx >= 1 && sy >= 1) {
        out = {rw, rh};  // "not larger than the extracted region"
      } else if (sx <= sy) {
        out = {size.w, std::min(size.h, AtLeastOne(h * sx))};
      } else {
        out = {std::min(size.w, AtLeastOne(w * sy)), size.h};
      }
      // ... "or server-imposed limits": shrink into them rather than refuse.
      if (out.width > limits.max_width || out.height > limits.max_height ||
          static_cast<uint64_t>(out.width) * static_cast<uint64_t>(out.height) > limits.max_area) {
        return FitToLimits(out.width, out.height, limits, false);
      }
      return out;
    }
  }
  if (!size.upscale && (out.width > rw || out.height > rh)) {
    return SizeError(size.kind == IiifSize::Kind::kPercent
                         ? "pct:" + Number(size.percent)
                         : std::to_string(out.width) + "," + std::to_string(out.height),
                     "larger than the region (" + std::to_string(rw) + "x" + std::to_string(rh) +
                         "); upscaling needs the ^ prefix");
  }
  if (out.width > limits.max_width || out.height > limits.max_height ||
      static_cast<uint64_t>(out.width) * static_cast<uint64_t>(out.height) > limits.max_area) {
    return SizeError(std::to_string(out.width) + "," + std::to_string(out.height),
                     "above the server's limits (maxWidth " + std::to_string(limits.max_width) +
                         ", maxHeight " + std::to_string(limits.max_height) + ", maxArea " +
                         std::to_string(limits.max_area) + ")");
  }
  return out;
}

std::string IiifCanonicalPath(const IiifImageRequest& request, const Rect& region,
                              const IiifOutputSize& out, int64_t width, int64_t height,
                              const IiifLimits& limits) {
  std::string p;
  if (region == Rect{0, 0, width, height}) {
    p = "full";
  } else {
    p = std::to_string(region.x) + "," + std::to_string(region.y) + "," +
        std::to_string(region.width) + "," + std::to_string(region.height);
  }
  const IiifOutputSize max = FitToLimits(region.width, region.height, limits, false);
  if (out.width == max.width && out.height == max.height) {
    p += "/max";
  } else {
    const bool up = out.width > region.width || out.height > region.height;
    p += std::string("/") + (up ? "^" : "") + std::to_string(out.width) + "," +
         std::to_string(out.height);
  }
  p += "/" + std::string(request.rotation.mirror ? "!" : "") + Number(request.rotation.degrees);
  p += "/" + std::string(IiifQualityName(request.quality)) + "." +
       std::string(IiifFormatName(request.format));
  return p;
}

std::optional<PyramidTile> MatchPyramidTile(const Rect& region, const IiifOutputSize& out,
                                            int tile_width, int tile_height,
                                            const std::vector<LevelSize>& level_sizes) {
  const int levels = static_cast<int>(level_sizes.size());
  if (levels == 0 || tile_width <= 0 || tile_height <= 0 || region.empty()) return std::nullopt;
  const LevelSize full = level_sizes.back();
  for (int k = 0; k < levels && k < 40; ++k) {
    const int64_t s = int64_t{1} << k;
    const int64_t span_w = tile_width * s, span_h = tile_height * s;
    if (region.x % span_w != 0 || region.y % span_h != 0) continue;
    if (region.width != std::min(span_w, full.width - region.x) ||
        region.height != std::min(span_h, full.height - region.y)) {
      continue;
    }
    if (out.width != (region.width + s - 1) / s || out.height != (region.height + s - 1) / s) {
      continue;
    }
    PyramidTile t;
    t.level = levels - 1 - k;
    t.x = region.x / span_w;
    t.y = region.y / span_h;
    const LevelSize level = level_sizes[static_cast<size_t>(t.level)];
    const int64_t content_w = std::min<int64_t>(tile_width, level.width - t.x * tile_width);
    const int64_t content_h = std::min<int64_t>(tile_height, level.height - t.y * tile_height);
    if (content_w != out.width || content_h != out.height) return std::nullopt;
    t.edge = content_w < tile_width || content_h < tile_height;
    return t;
  }
  return std::nullopt;
}

}  // namespace tessera
