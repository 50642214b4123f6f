// Independent reference decoding for tests: libvips (and through it libtiff / OpenSlide /
// libjpeg), never the code under test. Pixel comparisons use these helpers.
#pragma once

#include <string>

#include "core/image.h"
#include "core/status.h"

namespace tessera {

// Loads a whole image with libvips. `page` selects a TIFF page / OpenSlide level (-1: default).
// `autorotate` applies the Orientation tag. OpenSlide images come back RGBA.
StatusOr<Image> VipsLoad(const std::string& path, int page = -1, bool autorotate = false,
                         int subifd = -1);
// Loads an image file held in memory (JPEG/PNG/WebP/TIFF bytes).
StatusOr<Image> VipsDecode(const std::string& bytes);
// Encodes with libvips' own savers: `suffix` is a vips save string such as ".png[palette]".
// uint16 images are saved as 16-bit. "" on failure (with the libvips message in *error).
std::string VipsEncode(const Image& img, const std::string& suffix, std::string* error = nullptr);
// Shrinks `img` by integer factors with a box filter (libvips shrink).
StatusOr<Image> VipsShrink(const Image& img, double hshrink, double vshrink);
// Resizes so the result fits (w, h) exactly, Lanczos.
StatusOr<Image> VipsResizeTo(const Image& img, int width, int height);

struct Diff {
  double max_abs = 0;
  double mean_abs = 0;
};
// Per-sample difference over the common bands of the rectangle (0,0,w,h); images must have the
// same sample type. Mismatched geometry gives max_abs = infinity.
Diff CompareImages(const Image& a, const Image& b, int width, int height, int bands);

// Keeps the first `bands` bands.
Image KeepBands(const Image& img, int bands);

}  // namespace tessera
