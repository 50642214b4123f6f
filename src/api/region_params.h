// Parameters of large_image's region-like endpoints (region, histogram, pixel, tile_frames):
// left, top, right, bottom, regionWidth, regionHeight, units, unitsWH; output width and height
// (maximum size); magnification, mm_x, mm_y, exact; resample; fill. 400 naming the parameter
// for bad values.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include "api/api_types.h"
#include "imaging/color.h"
#include "imaging/resample.h"
#include "tiles/region.h"

namespace tessera {

StatusOr<RegionSpec> RegionParams(const ApiRequest& r);

// `resample`: true / absent -> nullopt (large_image: bicubic when enlarging, Lanczos when
// reducing); false -> nearest; 0..3 are PIL's NEAREST, LANCZOS, BILINEAR, BICUBIC.
StatusOr<std::optional<ResampleFilter>> ResampleParam(const ApiRequest& r);

struct Fill {
  Rgba color;
  bool corner = false;  // "corner:<colour>": the image at the top-left instead of centred
};
// `fill`: a colour, "corner:<colour>", or none / absent.
StatusOr<std::optional<Fill>> FillParam(const ApiRequest& r);

// A number for a cache key: the shortest text that reads back as the same double; "-" for none.
std::string KeyNumber(const std::optional<double>& v);

// Every field of a region spec, exactly (cache keys and ETags of region-like outputs).
std::string RegionSpecKey(const RegionSpec& s);

// A float parameter; nullopt when absent or empty.
StatusOr<std::optional<double>> DoubleParam(const ApiRequest& r, const char* name);

}  // namespace tessera
