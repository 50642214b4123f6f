// Synthetic tiles without a file: large_image's "test" source, for tests, demos and load tests.
//
// Geometry follows large_image's TestTileSource: size_x/size_y default to
// tile * 2^max_level; max_level is then recomputed as ceil(log2(max(size_x / tile_width,
// size_y / tile_height))) (levels = max_level + 1, as LevelCount); min_level is clamped to it.
// Levels below min_level are not stored (HasLevel false: the tile service synthesizes them).
// Frames are parsed like large_image: "5" (five generic frames, FrameInfo index "Index"),
// "2,3,4,5" (counts of c, z, t, xy) or "c=2,z=3,q=4" (named axes); the first axis varies fastest
// and only axes with a count above 1 appear in FrameInfo (in large_image's key order).
//
// Pixels are deterministic per (frame, level, x, y) and cheap: large_image's HSV background
// colour (hue from x, value from y, saturation from the frame), a 1-pixel black tile border and
// "z/x/y" (plus the frame number on a second line when there are frames) drawn in black with a
// tiny built-in bitmap font. `fractal` (square power-of-two tiles only, as large_image) draws
// large_image's nested-squares fractal on white instead of the flat colour. `monochrome` gives
// 1 band (PIL's "L" conversion of the colours), else 3; always uint8.
//
// Thread-safety: parsing is a pure function; an opened source is immutable and ReadTile is
// safe to call from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "source/tile_source.h"

namespace tessera {

struct SyntheticParams {
  int min_level = 0;
  int max_level = 9;
  int tile_width = 256;
  int tile_height = 256;
  int64_t size_x = 0;  // 0: tile_width * 2^max_level
  int64_t size_y = 0;  // 0: tile_height * 2^max_level
  bool fractal = false;
  std::string frames;  // "", "5", "2,3" (c,z,t,xy counts) or "c=2,z=3"
  bool monochrome = false;

  // A canonical string naming every parameter, for source-cache keys ("test?minLevel=0&...").
  std::string Key() const;
};

// Limits on parameters (InvalidArgument beyond them).
inline constexpr int kMaxSyntheticTileSize = 4096;
inline constexpr int64_t kMaxSyntheticSize = int64_t{1} << 31;
inline constexpr int64_t kMaxSyntheticFrames = 100000;

// Reads large_image's query parameters: minLevel, maxLevel, tileWidth, tileHeight, sizeX, sizeY,
// fractal, frames, monochrome. Unknown keys are ignored; a bad value is InvalidArgument naming
// the parameter.
StatusOr<SyntheticParams> ParseSyntheticParams(
    const std::vector<std::pair<std::string, std::string>>& query);

// Validates `params` (InvalidArgument naming the bad one) and builds the source (format "test").
StatusOr<std::unique_ptr<TileSource>> OpenSynthetic(const SyntheticParams& params);

}  // namespace tessera
