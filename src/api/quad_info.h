// large_image's getTileFramesQuadInfo (large_image/tilesource/utilities.py), ported
// faithfully: which tile_frames sprite images a viewer should request to show every frame of a
// multi-frame image as textures (how many frames per texture, the size of each frame in it),
// and where each frame sits in them (quads with crop rectangles). Used by
// GET /item/{id}/tiles/tile_frames/quad_info.
//
// The arithmetic follows the Python code step by step (float divisions where Python divides
// with `/`, floor divisions where it uses `//`), so the numbers match large_image's. Where the
// Python code would raise (a division by zero, a zero stride), these functions return
// InvalidArgument instead.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace tessera {

// The options of getTileFramesQuadInfo, with large_image's defaults. frame_base, frame_stride,
// frame_group and frame_group_stride are text as the REST endpoint receives them: digits, or
// an axis name (c, z, t, xy: that axis' length from the metadata's IndexRange); frame_base as
// an axis steps through every value of that axis; frame_group_stride may be "auto".
struct QuadInfoOptions {
  nlohmann::ordered_json format = {
      {"encoding", "JPEG"}, {"jpegQuality", 85}, {"jpegSubsampling", 1}};
  nlohmann::ordered_json query = nlohmann::ordered_json::object();
  std::string frame_base = "0";
  std::string frame_stride = "1";
  std::string frame_group = "1";
  int64_t frame_group_factor = 4;
  std::string frame_group_stride = "1";
  int64_t max_texture_size = 8192;
  int64_t max_textures = 1;
  int64_t max_total_texture_pixels = int64_t{1} << 30;
  int64_t alignment = 16;
  std::optional<int64_t> max_frame_size;
};

// The numeric inputs of large_image's _computeFramesPerTexture.
struct TextureOptions {
  int64_t frame_group = 1;
  int64_t frame_group_factor = 4;
  int64_t max_texture_size = 8192;
  int64_t max_textures = 1;
  int64_t max_total_texture_pixels = int64_t{1} << 30;
  int64_t alignment = 16;                 // 0 means 16
  std::optional<int64_t> max_frame_size;  // unset or 0: no limit
};

struct FramesPerTexture {
  int64_t frame_width = 0;         // fw: the width of one frame in a texture
  int64_t frame_height = 0;        // fh
  int64_t frames_across = 0;       // fhorz
  int64_t frames_per_texture = 0;  // fperframe (the last texture may hold fewer)
  int64_t textures = 0;
  friend bool operator==(const FramesPerTexture&, const FramesPerTexture&) = default;
};

// Limits that keep the arithmetic exact in 64-bit integers and doubles (GPU textures are at
// most 32768 pixels on a side).
inline constexpr int64_t kMaxTextureSize = int64_t{1} << 24;
inline constexpr int64_t kMaxTextures = 4096;

// large_image's _computeFramesPerTexture for `num_frames` frames of size_x x size_y.
// InvalidArgument where Python would divide by zero (a texture too small for the alignment)
// and above the limits.
StatusOr<FramesPerTexture> ComputeFramesPerTexture(const TextureOptions& options,
                                                   int64_t num_frames, int64_t size_x,
                                                   int64_t size_y);

// large_image's getTileFramesQuadInfo for `metadata` (the tiles metadata JSON: sizeX, sizeY,
// tileWidth, tileHeight, frames, IndexRange): {metadata, options, src, quads, quadsToIdx,
// frames, framesToIdx, minLevel}; with an axis as frame_base, {metadata, options, src} with
// the src of every value of that axis. InvalidArgument for strides below 1, no selected
// frames, and textures too small for the alignment.
StatusOr<nlohmann::ordered_json> TileFramesQuadInfo(const nlohmann::ordered_json& metadata,
                                                    const QuadInfoOptions& options);

// Python's urllib.parse.parse_qsl with its defaults: '&'-separated name=value pairs,
// percent-decoded with '+' as space; pairs with an empty value or without '=' are dropped.
std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view text);

}  // namespace tessera
