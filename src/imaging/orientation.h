// TIFF / EXIF Orientation (values 1..8): turning stored pixels into their displayed orientation,
// what `vips autorot` does to a whole image. Used by the tiff and vips sources.
//
// Thread-safety: pure functions.
#pragma once

#include "core/image.h"

namespace tessera {

// True for orientations 5..8, whose displayed width is the stored height.
bool OrientationSwapsAxes(int orientation);

// `stored` in displayed orientation (2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90
// clockwise, 7 transverse, 8 rotate 90 counter-clockwise): its size is stored's with width and
// height swapped for orientations 5..8. Other values return a copy.
Image OrientImage(int orientation, const Image& stored);

}  // namespace tessera
