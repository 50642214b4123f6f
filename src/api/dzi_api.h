// DeepZoom like large_image (girder_large_image/rest/tiles.py getDZIInfo / getDZITile):
//
//   GET /api/v1/item/{id}/tiles/dzi.dzi                     the .dzi XML descriptor
//   GET /api/v1/item/{id}/tiles/dzi_files/{level}/{x}_{y}.{ext}   one DeepZoom tile
//
// Parameters: overlap (>= 0, default 0), tilesize (a power of 2, default 256), encoding (JPEG
// or PNG only; default JPEG, or the tile's extension when no encoding is given), jpegQuality,
// jpegSubsampling, frame. DeepZoom levels count up from a 1x1 image: maxlevel =
// ceil(log2(max(sizeX, sizeY))) is full resolution and level L is downsampled by
// 2^(maxlevel - L); levels 1..maxlevel are served (others 404, like tiles outside a level).
// A tile is the level's square [x * tilesize, (x + 1) * tilesize) widened by `overlap` on the
// sides that have a neighbour, cropped at the level's edge (ceil(size / 2^(maxlevel - L))).
//
// Tiles are read through TileService::ReadRegion from the pyramid level of the same scale (or
// the smallest level, resized, for DeepZoom levels below it), so the tiles underneath come from
// and go to the tile cache; the encoded DeepZoom tile is cached too, and hits are answered
// inline. Tiles carry an ETag (304 on If-None-Match) and Cache-Control like /tiles/zxy.
//
// Thread-safety: handlers are safe to run concurrently.
#pragma once

#include <cstdint>

#include "api/api_context.h"
#include "api/item_resolver.h"
#include "api/router.h"
#include "tiles/region.h"

namespace tessera {

class DziApi {
 public:
  DziApi(const ApiContext& ctx, ItemResolver& resolver) : ctx_(ctx), resolver_(resolver) {}
  void Register(Router& router);

 private:
  HandlerResult Descriptor(ApiRequest& r);
  HandlerResult Tile(ApiRequest& r);

  const ApiContext& ctx_;
  ItemResolver& resolver_;
};

// DeepZoom's maximum level for an image: ceil(log2(max(width, height))).
int DziMaxLevel(int64_t width, int64_t height);

// The read of DeepZoom tile (level, x, y) from `source`: the pyramid level of the same scale
// (or the smallest level, for DeepZoom levels below it) and the rectangle of it to read, and
// the tile's size as `out_width` x `out_height` (the rectangle's size divided by 2^n). OutOfRange
// (404) for a level outside 1..maxlevel or a tile outside the level.
StatusOr<RegionPlan> PlanDziTile(const TileSource& source, int64_t level, int64_t x, int64_t y,
                                 int tile_size, int overlap);

// The pixels of a DeepZoom tile planned by PlanDziTile, as vips dzsave makes them: read through
// the tile cache, halved n times with 2x2 means, the level's last row and column repeated where
// DeepZoom's rounded-up level size passes large_image's rounded-down one.
StatusOr<Image> ReadDziTile(TileService& tiles, const SourcePtr& source, const SourceRef& ref,
                            int frame, const RegionPlan& plan);

}  // namespace tessera
