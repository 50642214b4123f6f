// TIFF Orientation (tag 274, values 1..8) for the tiff format: maps rectangles of the displayed
// (oriented) image to the stored pixels that hold them; imaging/orientation.h turns those pixels
// into their displayed orientation.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "core/image.h"
#include "imaging/orientation.h"

namespace tessera {

// The rectangle of a stored image that holds `displayed`, a rectangle of the displayed image
// (displayed_width x displayed_height, inside it).
Rect StoredRectForDisplayed(int orientation, const Rect& displayed, int64_t displayed_width,
                            int64_t displayed_height);

}  // namespace tessera
