#include "imaging/orientation.h"

#include <cstring>

namespace tessera {

bool OrientationSwapsAxes(int orientation) { return orientation >= 5 && orientation <= 8; }

Image OrientImage(int orientation, const Image& stored) {
  if (orientation < 2 || orientation > 8) return stored.Clone();
  const int sw = stored.width(), sh = stored.height();
  const bool swap = OrientationSwapsAxes(orientation);
  Image out(swap ? sh : sw, swap ? sw : sh, stored.bands(), stored.type());
  const size_t px = stored.pixel_bytes();
  for (int y = 0; y < out.height(); ++y) {
    uint8_t* dst = out.row(y);
    for (int x = 0; x < out.width(); ++x) {
      int c = x, r = y;  // stored column and row of displayed (x, y)
      switch (orientation) {
        case 2:
          c = sw - 1 - x;
          break;
        case 3:
          c = sw - 1 - x;
          r = sh - 1 - y;
          break;
        case 4:
          r = sh - 1 - y;
          break;
        case 5:
          c = y;
          r = x;
          break;
        case 6:
          c = y;
          r = sh - 1 - x;
          break;
        case 7:
          c = sw - 1 - y;
          r = sh - 1 - x;
          break;
        case 8:
          c = sw - 1 - y;
          r = x;
          break;
      }
      std::memcpy(dst + static_cast<size_t>(x) * px, stored.row(r) + static_cast<size_t>(c) * px,
                  px);
    }
  }
  return out;
}

}  // namespace tessera
