// CSS colours as large_image accepts them (PIL.ImageColor): #RGB, #RGBA, #RRGGBB, #RRGGBBAA,
// rgb(r, g, b), rgba(r, g, b, a) (a in 0..1, or a percentage), and the CSS named colours.
// Used for edge fills and thumbnail fills now, style palettes later.
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "core/status.h"

namespace tessera {

struct Rgba {
  double r = 0, g = 0, b = 0, a = 255;  // 0..255 each
  friend bool operator==(const Rgba&, const Rgba&) = default;
};

// InvalidArgument names the colour when it cannot be parsed.
StatusOr<Rgba> ParseColor(std::string_view text);

}  // namespace tessera
