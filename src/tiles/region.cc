#include "tiles/region.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/strings.h"
#include "tiles/tile_service.h"

namespace tessera {

StatusOr<RegionUnits> ParseRegionUnits(std::string_view text) {
  const std::string t = ToLower(Trim(text));
  if (t.empty() || t == "base" || t == "base_pixel" || t == "base_pixels") {
    return RegionUnits::kBasePixels;
  }
  if (t == "pixel" || t == "pixels" || t == "mag_pixel" || t == "mag_pixels" ||
      t == "magnification_pixel" || t == "magnification_pixels") {
    return RegionUnits::kMagPixels;
  }
  if (t == "fraction") return RegionUnits::kFraction;
  if (t == "nm" || t == "nanometer" || t == "nanometers") return RegionUnits::kNm;
  if (t == "um" || t == "\xce\xbcm" || t == "\xc2\xb5m" || t == "micrometer" ||
      t == "micrometers" || t == "micron" || t == "microns") {
    return RegionUnits::kUm;
  }
  if (t == "mm" || t == "millimeter" || t == "millimeters") return RegionUnits::kMm;
  if (t == "m" || t == "meter" || t == "meters") return RegionUnits::kM;
  if (t == "km" || t == "kilometer" || t == "kilometers") return RegionUnits::kKm;
  return InvalidArgumentError("Invalid units '" + std::string(text) +
                              "': use base_pixels, mag_pixels, fraction, nm, um, mm, m or km");
}

LevelScale ScaleForLevel(const SourceMetadata& m, std::optional<double> level) {
  LevelScale s;
  s.magnification = m.magnification;
  s.mm_x = m.mm_x;
  s.mm_y = m.mm_y;
  const double top = m.levels - 1;
  s.level = level.value_or(top);
  if (level && *level != top) {
    s.scale = std::exp2(top - *level);
    if (s.magnification) *s.magnification /= s.scale;
    if (s.mm_x && s.mm_y) {
      *s.mm_x *= s.scale;
      *s.mm_y *= s.scale;
    }
  }
  return s;
}

std::optional<double> LevelForScale(const SourceMetadata& m, std::optional<double> magnification,
                                    std::optional<double> mm_x, std::optional<double> mm_y,
                                    bool exact) {
  std::vector<double> ratios;
  if (magnification && *magnification > 0 && m.magnification && *m.magnification > 0) {
    ratios.push_back(*magnification / *m.magnification);
  }
  if (mm_x && *mm_x > 0 && m.mm_x && *m.mm_x > 0) ratios.push_back(*m.mm_x / *mm_x);
  if (mm_y && *mm_y > 0 && m.mm_y && *m.mm_y > 0) ratios.push_back(*m.mm_y / *mm_y);
  const double top = m.levels - 1;
  if (ratios.empty()) return top;
  for (double& r : ratios) r = std::round(std::log2(r) * 1e4) / 1e4;
  if (exact) {
    for (double r : ratios) {
      if (r != std::trunc(r) || r != ratios.front()) return std::nullopt;
    }
  }
  double sum = 0;
  for (double r : ratios) sum += r;
  const double level = top + std::round(sum / ratios.size() * 1e4) / 1e4;
  if (exact && (level > top || level < 0)) return std::nullopt;
  return level;
}

namespace {

// large_image's _scaleFromUnits: multiply a coordinate in `units` by this to get base pixels.
StatusOr<std::pair<double, double>> ScaleFromUnits(const SourceMetadata& m, RegionUnits units,
                                                   const std::optional<LevelScale>& desired) {
  switch (units) {
    case RegionUnits::kBasePixels:
      return std::pair<double, double>(1, 1);
    case RegionUnits::kFraction:
      return std::pair<double, double>(static_cast<double>(m.size_x),
                                       static_cast<double>(m.size_y));
    case RegionUnits::kMagPixels:
      if (!desired || desired->scale <= 0) {
        return InvalidArgumentError("No magnification to use for units");
      }
      return std::pair<double, double>(desired->scale, desired->scale);
    default:
      break;
  }
  LevelScale s;
  if (desired && desired->scale > 0 && desired->mm_x && desired->mm_y) {
    s = *desired;
  } else {
    s = ScaleForLevel(m, std::nullopt);
  }
  if (!s.mm_x || !s.mm_y || *s.mm_x <= 0 || *s.mm_y <= 0) {
    return InvalidArgumentError("No mm_x or mm_y to use for units");
  }
  double per_mm = 1;  // units per millimetre
  switch (units) {
    case RegionUnits::kNm:
      per_mm = 1e6;
      break;
    case RegionUnits::kUm:
      per_mm = 1e3;
      break;
    case RegionUnits::kMm:
      per_mm = 1;
      break;
    case RegionUnits::kM:
      per_mm = 1e-3;
      break;
    default:
      per_mm = 1e-6;
      break;
  }
  return std::pair<double, double>(s.scale / *s.mm_x / per_mm, s.scale / *s.mm_y / per_mm);
}

}  // namespace

StatusOr<Rect> RegionBounds(const SourceMetadata& m, const RegionSpec& spec,
                            const std::optional<LevelScale>& desired) {
  TS_ASSIGN_OR_RETURN(auto xy, ScaleFromUnits(m, spec.units, desired));
  auto wh = xy;
  std::optional<double> left = spec.left, top = spec.top, right = spec.right, bottom = spec.bottom,
                        width = spec.width, height = spec.height;
  if (spec.units_wh) {
    TS_ASSIGN_OR_RETURN(wh, ScaleFromUnits(m, *spec.units_wh, desired));
    // With unitsWH, width and height win over right and bottom.
    if (left && right && width) right.reset();
    if (top && bottom && height) bottom.reset();
  }
  auto scaled = [](std::optional<double>& v, double s) {
    if (v && s && s != 1) *v *= s;
  };
  scaled(left, xy.first);
  scaled(right, xy.first);
  scaled(width, wh.first);
  scaled(top, xy.second);
  scaled(bottom, xy.second);
  scaled(height, wh.second);
  const double sx = static_cast<double>(m.size_x), sy = static_cast<double>(m.size_y);
  for (auto* v : {&left, &right}) {
    if (*v && **v < 0) **v += sx;
  }
  for (auto* v : {&top, &bottom}) {
    if (*v && **v < 0) **v += sy;
  }
  const double l = left ? *left : (right && width ? *right - *width : 0);
  const double r = right ? *right : (width ? l + *width : sx);
  const double t = top ? *top : (bottom && height ? *bottom - *height : 0);
  const double b = bottom ? *bottom : (height ? t + *height : sy);
  auto round_to = [](double v) {
    return std::isfinite(v) ? static_cast<int64_t>(std::llround(std::clamp(v, -1e15, 1e15))) : 0;
  };
  const int64_t li = std::min<int64_t>(m.size_x, std::max<int64_t>(0, round_to(l)));
  const int64_t ri = std::min<int64_t>(m.size_x, std::max<int64_t>(li, round_to(r)));
  const int64_t ti = std::min<int64_t>(m.size_y, std::max<int64_t>(0, round_to(t)));
  const int64_t bi = std::min<int64_t>(m.size_y, std::max<int64_t>(ti, round_to(b)));
  return Rect{li, ti, ri - li, bi - ti};
}

StatusOr<RegionPlan> PlanRegion(const TileSource& source, const RegionSpec& spec) {
  const SourceMetadata& m = source.metadata();
  if ((spec.max_width && *spec.max_width < 0) || (spec.max_height && *spec.max_height < 0)) {
    return InvalidArgumentError("Invalid output width or height.  Minimum value is 0.");
  }
  RegionPlan plan;
  std::optional<double> max_w = spec.max_width, max_h = spec.max_height;
  std::optional<double> mag_level;
  std::optional<LevelScale> mag;
  if (!max_w && !max_h) {
    mag_level = LevelForScale(m, spec.magnification, spec.mm_x, spec.mm_y, false);
    if (spec.exact) {
      mag_level = LevelForScale(m, spec.magnification, spec.mm_x, spec.mm_y, true);
      if (!mag_level) {
        plan.empty = true;
        return plan;
      }
    }
    mag = ScaleForLevel(m, mag_level);
  }
  TS_ASSIGN_OR_RETURN(plan.base, RegionBounds(m, spec, mag));
  int64_t left = plan.base.x, top = plan.base.y;
  int64_t right = left + plan.base.width, bottom = top + plan.base.height;
  int64_t region_w = right - left, region_h = bottom - top;
  if (!max_w && !max_h && mag) {
    if (mag->scale == 1) {
      max_w = static_cast<double>(region_w);
      max_h = static_cast<double>(region_h);
    } else {
      max_w = region_w / mag->scale;
      max_h = region_h / mag->scale;
    }
  }
  OutputSize out = CalculateOutputSize(max_w, max_h, region_w, region_h);
  if (region_w <= 0 || region_h <= 0 || out.width <= 0 || out.height <= 0) {
    plan.empty = true;
    return plan;
  }
  int level = m.levels - 1;
  if (out.width != region_w || out.height != region_h) {
    const double ratio = std::min(static_cast<double>(out.width) / region_w,
                                  static_cast<double>(out.height) / region_h);
    const int want =
        std::max(0, level + static_cast<int>(std::ceil(std::round(std::log2(ratio) * 1e4) / 1e4)));
    if (want < level) {
      const int64_t factor = int64_t{1} << (level - want);
      left /= factor;
      right = std::max(right / factor, left + 1);
      top /= factor;
      bottom = std::max(bottom / factor, top + 1);
      level = want;
    }
  }
  if (mag_level && spec.exact && *mag_level != level) {
    plan.empty = true;
    return plan;
  }
  plan.level = level;
  plan.rect = Rect{left, top, right - left, bottom - top};
  plan.out_width = out.width;
  plan.out_height = out.height;
  return plan;
}

}  // namespace tessera
