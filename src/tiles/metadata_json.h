// large_image's metadata JSON (TileSource.getMetadata + _addMetadataFrameInformation) for a
// source: levels, sizeX, sizeY, tileWidth, tileHeight, magnification, mm_x, mm_y, dtype,
// bandCount, and for multi-frame images frames (with Frame, Index, Channel), IndexRange,
// IndexStride, channels, channelmap.
// Thread-safety: pure function.
#pragma once

#include <nlohmann/json.hpp>

#include "source/tile_source.h"

namespace tessera {

nlohmann::ordered_json MetadataToJson(const SourceMetadata& metadata);

}  // namespace tessera
