// Associated images and internal metadata of an item (large_image's TilesItemResource):
//
//   GET /item/{id}/tiles/images                  the associated image names, sorted
//   GET /item/{id}/tiles/images/{key}            the image: width / height (maximum size, aspect
//                                                kept; neither: native size), encoding (JPEG,
//                                                PNG, TIFF, WEBP), jpegQuality,
//                                                jpegSubsampling, tiffCompression, style,
//                                                contentDisposition(Filename); unknown key 404
//   GET /item/{id}/tiles/images/{key}/metadata   {sizeX, sizeY, mode}, or {} for an unknown key
//   GET /item/{id}/tiles/internal_metadata       the source's properties, nested the way
//                                                large_image reports them, plus tilesource and
//                                                populatedLevels
//
// Item list pages ask for a label and a macro per item, so both the decoded associated image
// ("ai|<source key>|<name>", pixels) and each encoded answer ("aie|<source key>|<name>|<size>|
// <encoding>|<style>") are kept in the tile cache; the ETag is derived from the encoded key.
// Answers that need only an open source or a cached value are given inline; opening a source
// and reading or encoding an image run on the worker pool (Deferred), once for concurrent
// identical requests.
// Thread-safety: handlers are safe to run concurrently.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/api_context.h"
#include "api/item_resolver.h"
#include "api/router.h"
#include "cache/single_flight.h"
#include "cache/tile_value.h"

namespace tessera {

class ImagesApi {
 public:
  ImagesApi(const ApiContext& ctx, ItemResolver& resolver) : ctx_(ctx), resolver_(resolver) {}
  void Register(Router& router);

 private:
  struct ImageRequest;

  HandlerResult ListImages(ApiRequest& r);
  HandlerResult GetImage(ApiRequest& r);
  HandlerResult GetImageMetadata(ApiRequest& r);
  HandlerResult GetInternalMetadata(ApiRequest& r);

  // The encoded image for `request` (cached).
  StatusOr<TileValuePtr> EncodedImage(const ImageRequest& request, const std::string& key);
  // The decoded associated image `name` of `source` (cached); NotFound for an unknown name.
  StatusOr<TileValuePtr> DecodedImage(const SourcePtr& source, const SourceRef& ref,
                                      const std::string& name);

  const ApiContext& ctx_;
  ItemResolver& resolver_;
  SingleFlight<TileValuePtr> encoded_flight_;
  SingleFlight<TileValuePtr> decoded_flight_;
};

// large_image's internal_metadata for a source: properties "prefix.key" nested as
// {prefix: {key: value}} ("tiff" keys lower-case like libtiff's field names; an OpenSlide
// source's properties under "openslide" with their full names), "tilesource" (the format name)
// and "populatedLevels" (levels stored in the file).
nlohmann::ordered_json InternalMetadataJson(const TileSource& source);

// PIL's mode name for an image of `bands` bands of `type` ("L", "LA", "RGB", "RGBA", "I;16",
// "I", "F"); the sample type's name otherwise.
std::string PilMode(int bands, PixelType type);

}  // namespace tessera
