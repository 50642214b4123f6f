#include "imaging/orientation.h"

#include <utility>

#include "imaging/transform.h"

namespace tessera {

bool OrientationSwapsAxes(int orientation) { return orientation >= 5 && orientation <= 8; }

Image OrientImage(int orientation, const Image& stored) {
  // Each orientation as RotateMirror's mirror-then-rotate-clockwise.
  struct Turn {
    int degrees;
    bool mirror;
  };
  static constexpr Turn kTurns[9] = {{0, false},   {0, false},  {0, true},
                                     {180, false}, {180, true}, {270, true},
                                     {90, false},  {90, true},  {270, false}};
  if (orientation < 2 || orientation > 8) return stored.Clone();
  const Turn t = kTurns[orientation];
  // Right angles cannot fail.
  return std::move(*RotateMirror(stored, t.degrees, t.mirror));
}

}  // namespace tessera
