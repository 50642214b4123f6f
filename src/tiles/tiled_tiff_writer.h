// Tiled pyramidal TIFF output of any size (large_image's region encoding=TILED), written to a
// file without ever holding the image in memory.
//
// WriteTiledTiff asks a PixelReader for the full-resolution pixels block by block (up to 4 x 4
// tiles at a time) and writes them as 256 x 256 tiles with libtiff; then each
// reduced-resolution IFD (NewSubfileType = reduced image) is made from the IFD above it, read
// back tile by tile from the same file and halved with a 2x2 area average (tile service's
// Downsample2x), until the whole level fits in one tile. Memory stays at a few blocks whatever
// the output size. The file keeps the image's sample type and band count (1: grey, 2: grey +
// alpha, 3: RGB, 4: RGBA, more: grey + extra samples), except with JPEG compression, which
// takes 8-bit grey or RGB: other data is converted like large_image converts for 8-bit
// outputs (ToDisplayUint8) and alpha dropped. BigTIFF is used when the file could pass 4 GiB.
// libtiff reports errors per handle (TIFFOpenOptionsSetErrorHandlerExtR).
//
// WriteTiledRegion feeds it from a planned region (tiles/region.h): blocks of the plan's level
// read through the tile service (so through the tile cache), resampled when the output is
// scaled — the way PIL resizes, which is what large_image's getRegion uses, with every output
// pixel computed from its own source window so that blocks join without seams — and placed on
// a letterbox canvas when a fill colour is given.
//
// Thread-safety: the functions share nothing; the PixelReader is called on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/image.h"
#include "core/status.h"
#include "imaging/codec.h"
#include "imaging/color.h"
#include "imaging/resample.h"
#include "tiles/region.h"
#include "tiles/tile_service.h"

namespace tessera {

struct TiledTiffOptions {
  int tile_size = 256;  // a multiple of 16
  TiffCompression compression = TiffCompression::kJpeg;
  int jpeg_quality = 95;
  int jpeg_subsampling = 0;  // 0 = 4:4:4, 1 = 4:2:2, 2 = 4:2:0
  // Pixel size of the full-resolution level, written as X/YResolution (pixels per cm).
  std::optional<double> mm_x, mm_y;
  // Unset: BigTIFF when the file could exceed 4 GiB.
  std::optional<bool> bigtiff;
};

struct TiledTiffInfo {
  int levels = 0;  // IFDs written
  bool bigtiff = false;
  int bands = 0;  // as written (JPEG may drop alpha)
  PixelType type = PixelType::kU8;
};

// The output pixels of `rect` (full-resolution output coordinates): exactly rect's size, of
// the bands and type given to WriteTiledTiff.
using PixelReader = std::function<StatusOr<Image>(const Rect& rect)>;

// Writes a width x height image of `bands` x `type` to `path` (created or truncated).
// InvalidArgument for an empty size or an unusable option; the reader's errors are returned as
// they are; Internal (with libtiff's message) when writing fails. The file is left behind on
// failure: the caller removes it.
StatusOr<TiledTiffInfo> WriteTiledTiff(const std::string& path, int64_t width, int64_t height,
                                       int bands, PixelType type, const TiledTiffOptions& options,
                                       const PixelReader& read);

// A planned region to write as a tiled TIFF.
struct TiledRegion {
  TileService* tiles = nullptr;
  SourcePtr source;
  SourceRef ref;
  int frame = 0;
  RegionPlan plan;  // not empty
  // Resampling when plan.out differs from plan.rect's size; unset like large_image (bicubic
  // when enlarging, Lanczos when reducing).
  std::optional<ResampleFilter> filter;
  // Letterbox: the output is placed on a canvas of at least this size, filled with `fill`.
  std::optional<Rgba> fill;
  bool fill_corner = false;
  int64_t canvas_width = 0;
  int64_t canvas_height = 0;
};

StatusOr<TiledTiffInfo> WriteTiledRegion(const std::string& path, const TiledRegion& region,
                                         TiledTiffOptions options);

// PIL's resize of one axis (Resample.c precompute_coeffs), for output indices [first, last):
// output i reads input [start[i], start[i] + weights[i].size()) with those normalized weights.
// Exposed for tests.
struct AxisWeights {
  std::vector<int64_t> start;
  std::vector<std::vector<double>> weights;
};
AxisWeights ResampleWeights(int64_t in_size, int64_t out_size, int64_t first, int64_t last,
                            ResampleFilter filter);

}  // namespace tessera
