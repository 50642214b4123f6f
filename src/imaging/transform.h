// Whole-image transforms for the IIIF Image API (rotation, mirroring, quality): rotation by
// multiples of 90 degrees with optional mirroring, rotation by any angle, and the gray and
// bitonal qualities. They work on every sample type and band count.
//
// Rotation is clockwise, as IIIF defines it; mirroring is a horizontal flip applied before the
// rotation ("!90" = mirror, then rotate 90 degrees clockwise).
//
// Thread-safety: pure functions; safe to call concurrently. RotateArbitrary initializes libvips
// once per process on first use.
#pragma once

#include "core/image.h"
#include "core/status.h"

namespace tessera {

// `src` mirrored (when `mirror`) and then rotated clockwise by `degrees`, which must be 0, 90,
// 180 or 270 (other values: InvalidArgument). A 90 or 270 rotation swaps width and height.
// Exact: pixels are moved, never interpolated.
StatusOr<Image> RotateMirror(const Image& src, int degrees, bool mirror);

// `src` mirrored (when `mirror`) and then rotated clockwise by any angle in degrees, with
// bilinear interpolation, onto the bounding box of the rotated image. Multiples of 90 take the
// exact path of RotateMirror. The corners outside the image are 0; with `add_alpha` an alpha
// band (opaque inside the image) is added first when the image has none (1 -> 2 bands,
// 3 -> 4 bands), so the corners are transparent. Internal when libvips fails.
StatusOr<Image> RotateArbitrary(const Image& src, double degrees, bool mirror, bool add_alpha);

// True for band counts whose last band is alpha (2: gray + alpha, 4: RGB + alpha).
bool HasAlphaBand(int bands);

// IIIF `gray`: luma (ITU-R 601-2, as PIL's "L" conversion: 0.299 R + 0.587 G + 0.114 B; 8-bit
// samples use PIL's exact fixed-point formula) in the image's own sample type. An alpha band is
// kept (RGBA -> gray + alpha); 1- and 2-band images are returned as they are; more than 4 bands
// use the first three.
Image ToGray(const Image& src);

// IIIF `bitonal`: one 8-bit band of 0 and 255 (alpha is dropped): 255 where the luma is at
// least the middle of the displayed range, 0 elsewhere. "Displayed" is the 8-bit conversion the
// codecs apply (ToDisplayUint8), so the threshold is 128 for uint8, 32768 for uint16, 2^31 for
// uint32, 0 for signed types, and 128 for floats.
Image ToBitonal(const Image& src);

}  // namespace tessera
