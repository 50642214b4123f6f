#include "source/tiff_orientation.h"

#include <cstring>

namespace tessera {

Rect StoredRectForDisplayed(int orientation, const Rect& d, int64_t displayed_width,
                            int64_t displayed_height) {
  const bool swap = OrientationSwapsAxes(orientation);
  const int64_t sw = swap ? displayed_height : displayed_width;
  const int64_t sh = swap ? displayed_width : displayed_height;
  const int64_t x0 = d.x, x1 = d.x + d.width, y0 = d.y, y1 = d.y + d.height;
  switch (orientation) {
    case 2:  // row 0 top, column 0 right: mirrored left-right
      return Rect{sw - x1, y0, d.width, d.height};
    case 3:  // row 0 bottom, column 0 right: rotated 180
      return Rect{sw - x1, sh - y1, d.width, d.height};
    case 4:  // row 0 bottom, column 0 left: mirrored top-bottom
      return Rect{x0, sh - y1, d.width, d.height};
    case 5:  // row 0 left, column 0 top: transposed
      return Rect{y0, x0, d.height, d.width};
    case 6:  // row 0 right, column 0 top: rotated 90 clockwise to display
      return Rect{y0, sh - x1, d.height, d.width};
    case 7:  // row 0 right, column 0 bottom: transverse
      return Rect{sw - y1, sh - x1, d.height, d.width};
    case 8:  // row 0 left, column 0 bottom: rotated 90 counter-clockwise to display
      return Rect{sw - y1, x0, d.height, d.width};
    default:
      return d;
  }
}

}  // namespace tessera
