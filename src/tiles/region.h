// Regions as large_image computes them (TileSource._getRegionBounds, _scaleFromUnits,
// getLevelForMagnification, TileIterator._tileIteratorInfo): which part of the image, in which
// units, at which output size or magnification — and from that, the level to read and the
// rectangle of that level. Reading and resizing the pixels is TileService::ReadRegion.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "core/image.h"
#include "core/status.h"
#include "source/tile_source.h"

namespace tessera {

enum class RegionUnits { kBasePixels, kMagPixels, kFraction, kNm, kUm, kMm, kM, kKm };

// large_image's TileInputUnits spellings: base_pixels (base, base_pixel), mag_pixels (pixel,
// pixels, mag_pixel, magnification_pixel(s)), fraction, nm, um (µm, micron(s),
// micrometer(s)), mm (millimeter(s)), m, km. InvalidArgument names the value.
StatusOr<RegionUnits> ParseRegionUnits(std::string_view text);

struct RegionSpec {
  // region.*: negative values count from the right / bottom edge.
  std::optional<double> left, top, right, bottom, width, height;
  RegionUnits units = RegionUnits::kBasePixels;
  std::optional<RegionUnits> units_wh;  // units of width / height when different
  // output.*: the maximum output size (aspect kept).
  std::optional<double> max_width, max_height;
  // scale.*: used when no output size is given (and for mag_pixels / mm units).
  std::optional<double> magnification, mm_x, mm_y;
  bool exact = false;
};

// The scale of a level, large_image's getMagnificationForLevel: `scale` is base pixels per
// level pixel (2^(levels-1-level), fractional levels allowed).
struct LevelScale {
  std::optional<double> magnification, mm_x, mm_y;
  double scale = 1;
  double level = 0;
};
LevelScale ScaleForLevel(const SourceMetadata& m, std::optional<double> level);

// large_image's getLevelForMagnification with rounding=None: the (fractional, unclamped)
// level that has the given magnification / pixel size; the full-resolution level when none is
// given or the image's scale is unknown; nullopt when `exact` and no level matches exactly.
std::optional<double> LevelForScale(const SourceMetadata& m, std::optional<double> magnification,
                                    std::optional<double> mm_x, std::optional<double> mm_y,
                                    bool exact);

struct RegionPlan {
  bool empty = false;  // nothing to return (an empty region, or `exact` without a match)
  Rect base;           // the region in full-resolution pixels (cropped to the image)
  int level = 0;       // the level the pixels are read from
  Rect rect;           // the region in that level's pixels
  int out_width = 0;   // output size; equal to rect's size when no resampling is needed
  int out_height = 0;
};

// The plan for a region request. InvalidArgument for units the image cannot convert (no
// magnification or pixel size) and negative output sizes.
StatusOr<RegionPlan> PlanRegion(const TileSource& source, const RegionSpec& spec);

// The region bounds alone, in full-resolution pixels (large_image's _getRegionBounds with
// cropToImage), for a scale given by ScaleForLevel (used by mag_pixels and mm units).
StatusOr<Rect> RegionBounds(const SourceMetadata& m, const RegionSpec& spec,
                            const std::optional<LevelScale>& desired);

}  // namespace tessera
