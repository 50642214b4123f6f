// TIFF Orientation (tag 274, values 1..8) for the tiff format: maps rectangles of the displayed
// (oriented) image to the stored pixels that hold them, and turns a block of stored pixels into
// its displayed orientation — what `vips autorot` does to a whole image.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "core/image.h"

namespace tessera {

// True for orientations 5..8, whose displayed width is the stored height.
bool OrientationSwapsAxes(int orientation);

// The rectangle of a stored image that holds `displayed`, a rectangle of the displayed image
// (displayed_width x displayed_height, inside it).
Rect StoredRectForDisplayed(int orientation, const Rect& displayed, int64_t displayed_width,
                            int64_t displayed_height);

// `stored` (the pixels of StoredRectForDisplayed(...)) in displayed orientation: its size is
// stored's with width and height swapped for orientations 5..8.
Image OrientImage(int orientation, const Image& stored);

}  // namespace tessera
