// Resampling of decoded pixels: the 2x2 area average that synthesizes a missing pyramid level
// from four higher-resolution tiles, and general resizing (thumbnails, regions scaled to an
// output size) through libvips.
//
// Both keep the sample type and the band count of their input.
//
// Thread-safety: every function only reads its input and is safe to call concurrently. libvips
// is initialized once per process on first use (std::call_once).
#pragma once

#include <cstdint>

#include "core/image.h"
#include "core/status.h"

namespace tessera {

// Halves `src` with a 2x2 area average, the way the tile service builds a tile of level z from
// the 2x2 tiles of level z+1 pasted into one image.
//
// The result is ceil(w/2) x ceil(h/2). Only the source pixels inside
// [0, valid_width) x [0, valid_height) (clipped to the image) count: each output pixel is the
// mean of the 1, 2 or 4 valid pixels of its 2x2 block, and 0 when none is valid, so padding
// beyond the edge of the image never bleeds into the edge pixels. Integer samples round half up
// (exactly, in integer arithmetic); float samples are the plain mean.
Image Downsample2x(const Image& src, int64_t valid_width, int64_t valid_height);

enum class ResampleFilter : uint8_t { kNearest, kLinear, kCubic, kLanczos3 };

// Resizes `src` to exactly width x height with libvips (vips_resize with the matching kernel:
// box pre-shrink plus kernel reduce when shrinking; when enlarging libvips interpolates with
// nearest, bilinear, or bicubic for both kCubic and kLanczos3). Integer results are rounded,
// not truncated. InvalidArgument for an empty source or a non-positive size; Internal when
// libvips fails (its message is included).
StatusOr<Image> Resize(const Image& src, int width, int height, ResampleFilter filter);

}  // namespace tessera
