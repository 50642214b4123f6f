// large_image's style language (docs/api.md#styles): the `style=` JSON of every image endpoint.
//
// Two steps, both pure:
//  1. ParseStyle: the JSON text into a Style, checked key by key (400 naming the part that is
//     wrong; `function`, Python code in large_image, is refused), with a canonical text that
//     names the style in cache keys.
//  2. ApplyStyle: a Style resolved against one image and frame (ResolvedStyle: which frame and
//     channel each band reads, its numeric range, its palette; built by the tile service, which
//     scans band ranges) applied to pixels, exactly as large_image's TileSource._applyStyle:
//     each band normalized to (v - min) / (max - min), masked by nodata / clamp, coloured through
//     its palette (linear interpolation over evenly spaced stops, or discrete), composited into
//     an RGBA output by `lighten` (max) or `multiply`, then cast to `dtype` and cut to `axis`.
//     8- and 16-bit bands go through a lookup table per band (built once per resolved style), so
//     styling is one table read per pixel and channel; other types are computed per pixel. All
//     arithmetic is in double until the output's float32, as numpy does it.
//
// Thread-safety: value types and pure functions; a ResolvedStyle is immutable once built and
// may be shared by many threads (its tables are built when it is made).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/image.h"
#include "core/status.h"
#include "imaging/color.h"

namespace tessera {

enum class StyleComposite : uint8_t { kLighten, kMultiply };

// A band's `min` or `max`.
struct StyleRange {
  enum class Kind : uint8_t { kNumber, kAuto, kMin, kMax, kFull };
  Kind kind = Kind::kAuto;
  double value = 0;      // kNumber
  double threshold = 0;  // "min:0.02", "max:0.02", "auto:0.02": the histogram fraction cut off
};

struct StyleBand {
  // How `band` chooses a channel: absent/-1/"gray" (large_image's default grey rule), a 1-based
  // index, red/green/blue, alpha, or a channel name of the image (OME channel names).
  enum class Select : uint8_t { kDefault, kIndex, kRed, kGreen, kBlue, kAlpha, kName };
  Select select = Select::kDefault;
  int index = 0;     // kIndex, 1-based as written
  std::string name;  // kName
  std::optional<int> frame;
  int framedelta = 0;
  StyleRange min, max;
  std::optional<std::vector<Rgba>> palette;  // nullopt: black to white (alpha: #FFF0 to #FFFF)
  bool discrete = false;                     // scheme "discrete"
  std::optional<double> nodata;
  std::optional<StyleComposite> composite;  // nullopt: lighten (alpha: multiply)
  bool clamp = true;
};

// The output sample type (`dtype`); kNone is large_image's default, 8-bit after clipping.
enum class StyleDtype : uint8_t { kNone, kUint8, kUint16, kFloat, kSource };

struct Style {
  std::vector<StyleBand> bands;  // empty for a style that only says `icc`
  StyleDtype dtype = StyleDtype::kNone;
  std::optional<int> axis;
  std::optional<bool> icc;  // nullopt: the server's default (apply an embedded profile)
  std::string icc_intent = "perceptual";
  // Sorted, compact JSON of the style as given ("" for {} and {"icc": true}): the cache key.
  std::string canonical;
};

// 400 (InvalidArgument) naming the wrong part: not JSON / not an object ("Style is not a valid
// json object.", large_image's words), a bad band, range, palette, scheme, composite, dtype or
// axis, or the refused `function` key. Unknown keys are ignored, like large_image.
StatusOr<Style> ParseStyle(std::string_view text);

// The canonical text of a style that only turns ICC correction off: the default style of
// large_image's tests, and the one that keeps stored bytes passing through.
inline constexpr std::string_view kIccOffStyle = R"({"icc":false})";

// One band of a style resolved against an image and frame.
struct ResolvedBand {
  int frame = 0;    // the frame whose pixels this band reads
  int channel = 0;  // the channel of that frame's pixels; -1: a constant 255 (alpha of an
                    // image without an alpha channel)
  double min = 0;
  double max = 255;
  std::vector<Rgba> palette;  // at least one stop
  bool discrete = false;
  std::optional<double> nodata;
  StyleComposite composite = StyleComposite::kLighten;
  bool clamp = true;
};

class ResolvedStyle {
 public:
  // `input_type` is the sample type of every frame's pixels; `output_bands` 4 (RGBA) or 1 (one
  // grey band with the default palette on a one-channel image); `dtype` with kSource already
  // turned into the source's type.
  ResolvedStyle(std::vector<ResolvedBand> bands, PixelType input_type, int output_bands,
                StyleDtype dtype, std::optional<int> axis);

  const std::vector<ResolvedBand>& bands() const { return bands_; }
  // The frames the bands read, each once.
  std::vector<int> Frames() const;

  // The styled pixels of a width x height area; `pixels_of(frame)` gives that frame's pixels
  // (at least width x height, `input_type`). Float32 for dtype float, uint16 for uint16, else
  // uint8; 4 bands (or 1), or the one `axis` band.
  StatusOr<Image> Apply(const std::function<const Image*(int frame)>& pixels_of, int width,
                        int height) const;

 private:
  struct Table;  // per-value colours and mask of an 8- or 16-bit band
  std::vector<ResolvedBand> bands_;
  PixelType input_type_;
  int output_bands_;
  StyleDtype dtype_;
  std::optional<int> axis_;
  std::vector<std::shared_ptr<const Table>> tables_;  // per band; null when computed per pixel
};

}  // namespace tessera
