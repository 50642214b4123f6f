// Frame sprites of multi-frame images (large_image's tileFrames and getTileFramesQuadInfo):
//
//   GET /item/{id}/tiles/tile_frames             one image holding a grid of the same region of
//       several frames: framesAcross (default ceil(sqrt(n))), frameList ("0,2,5"; default all),
//       every region parameter (left, top, right, bottom, regionWidth, regionHeight, units,
//       unitsWH, width, height, fill, magnification, mm_x, mm_y, exact, resample), encoding
//       (JPEG), jpegQuality, jpegSubsampling, tiffCompression, style, contentDisposition*
//   GET /item/{id}/tiles/tile_frames/quad_info   which tile_frames images a viewer should load to
//       show every frame as textures (api/quad_info.h); cache=report says which are cached
//
// Each frame's region is read through TileService::ReadRegion (the tile cache underneath); the
// pixel budget (max_output_pixels) applies to the whole sprite. The encoded sprite is cached in
// the tile cache ("tf|<source key>|<frames>|<across>|<region>|<resample>|<fill>|<encoding>|
// <style>"), its ETag derived from that key; a cached sprite and quad_info for an open source
// are answered inline, the rest runs on the worker pool, once for concurrent identical requests.
// Thread-safety: handlers are safe to run concurrently.
#pragma once

#include <string>

#include "api/api_context.h"
#include "api/item_resolver.h"
#include "api/router.h"
#include "cache/single_flight.h"
#include "cache/tile_value.h"

namespace tessera {

class FramesApi {
 public:
  FramesApi(const ApiContext& ctx, ItemResolver& resolver) : ctx_(ctx), resolver_(resolver) {}
  void Register(Router& router);

 private:
  struct SpriteRequest;

  HandlerResult TileFrames(ApiRequest& r);
  HandlerResult QuadInfo(ApiRequest& r);
  // The encoded sprite (cached).
  StatusOr<TileValuePtr> Sprite(const SpriteRequest& request, const std::string& key);

  const ApiContext& ctx_;
  ItemResolver& resolver_;
  SingleFlight<TileValuePtr> flight_;
};

}  // namespace tessera
