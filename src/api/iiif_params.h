// The IIIF Image API 3.0 request grammar (https://iiif.io/api/image/3.0/#4-image-requests):
// {region}/{size}/{rotation}/{quality}.{format}, parsed without looking at an image, then
// resolved against an image's size and the server's limits. Every error is InvalidArgument
// (400) with a message that names the part of the request that is wrong.
//
// Also the mapping from a resolved request to a tile of the pyramid (scale factor 2^k), which
// lets pyramid-aligned IIIF requests share the tile cache with /tiles/zxy.
//
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/image.h"
#include "core/status.h"
#include "imaging/codec.h"
#include "source/tile_source.h"

namespace tessera {

struct IiifRegion {
  enum class Kind { kFull, kSquare, kPixels, kPercent };
  Kind kind = Kind::kFull;
  double x = 0, y = 0, w = 0, h = 0;  // pixels (integers) or percentages
};

struct IiifSize {
  enum class Kind { kMax, kWidth, kHeight, kExact, kConfined, kPercent };
  Kind kind = Kind::kMax;
  bool upscale = false;  // the "^" prefix
  int64_t w = 0, h = 0;  // kWidth / kHeight / kExact / kConfined
  double percent = 0;    // kPercent
};

struct IiifRotation {
  double degrees = 0;   // clockwise, 0 <= degrees <= 360
  bool mirror = false;  // "!": mirrored before the rotation
  bool IsRightAngle() const;
};

enum class IiifQuality { kDefault, kColor, kGray, kBitonal };

struct IiifImageRequest {
  IiifRegion region;
  IiifSize size;
  IiifRotation rotation;
  IiifQuality quality = IiifQuality::kDefault;
  Encoding format = Encoding::kJpeg;
  // A string naming every parameter exactly (cache keys and ETags).
  std::string Key() const;
};

StatusOr<IiifRegion> ParseIiifRegion(std::string_view text);
StatusOr<IiifSize> ParseIiifSize(std::string_view text);
StatusOr<IiifRotation> ParseIiifRotation(std::string_view text);
StatusOr<IiifQuality> ParseIiifQuality(std::string_view text);
// jpg, png, webp, tif.
StatusOr<Encoding> ParseIiifFormat(std::string_view text);
// The four path segments; `quality_format` is "{quality}.{format}".
StatusOr<IiifImageRequest> ParseIiifImageRequest(std::string_view region, std::string_view size,
                                                 std::string_view rotation,
                                                 std::string_view quality_format);

std::string_view IiifQualityName(IiifQuality q);
std::string_view IiifFormatName(Encoding e);  // "jpg", "png", "webp", "tif"

// The largest output the server makes (info.json's maxWidth, maxHeight, maxArea).
struct IiifLimits {
  int64_t max_width = 0;
  int64_t max_height = 0;
  uint64_t max_area = 0;
};

// The region in full-resolution pixels, cropped to the image (width x height). 400 when it is
// empty or entirely outside the image.
StatusOr<Rect> ResolveIiifRegion(const IiifRegion& region, int64_t width, int64_t height);

struct IiifOutputSize {
  int64_t width = 0;
  int64_t height = 0;
};
// The output size for a region of region_w x region_h pixels. 400 for a size larger than the
// region without "^", a zero size, or a size beyond the limits (max, ^max and !w,h fit
// themselves within the limits instead).
StatusOr<IiifOutputSize> ResolveIiifSize(const IiifSize& size, int64_t region_w, int64_t region_h,
                                         const IiifLimits& limits);

// The canonical form (https://iiif.io/api/image/3.0/#47-canonical-uri-syntax) of a resolved
// request, "{region}/{size}/{rotation}/{quality}.{format}", for the canonical Link header.
std::string IiifCanonicalPath(const IiifImageRequest& request, const Rect& region,
                              const IiifOutputSize& out, int64_t width, int64_t height,
                              const IiifLimits& limits);

// A tile of the pyramid, in large_image's numbering (level 0 = smallest).
struct PyramidTile {
  int level = 0;
  int64_t x = 0;
  int64_t y = 0;
  bool edge = false;  // the tile's content is smaller than the tile size (a cropped edge tile)
};

// The pyramid tile that is exactly this request, when there is one: the region is the tile
// (x, y) of scale factor s = 2^k (region x, y multiples of tile size * s; width and height the
// tile size * s, cropped at the image's edge) and the output is that region divided by s,
// rounded up, which must also be the tile's content size at level levels-1-k.
// `level_sizes[z]` is the pixel size of level z.
std::optional<PyramidTile> MatchPyramidTile(const Rect& region, const IiifOutputSize& out,
                                            int tile_width, int tile_height,
                                            const std::vector<LevelSize>& level_sizes);

}  // namespace tessera
