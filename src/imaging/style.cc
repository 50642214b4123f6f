#include "imaging/style.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "imaging/palette.h"

namespace tessera {
namespace {

using Json = nlohmann::json;

Status StyleError(const std::string& where, const std::string& what) {
  return InvalidArgumentError("Invalid style: " + where + ": " + what);
}

std::optional<double> NumberOf(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return ParseDouble(Trim(v.get<std::string>()));
  return std::nullopt;
}

std::optional<int64_t> IntegerOf(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d == std::trunc(d) && std::fabs(d) < 1e15) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

StatusOr<StyleRange> ParseRange(const Json& v, const std::string& where) {
  StyleRange r;
  if (auto n = v.is_string() ? std::optional<double>() : NumberOf(v)) {
    r.kind = StyleRange::Kind::kNumber;
    r.value = *n;
    return r;
  }
  const Status bad = StyleError(
      where, "use a number, auto, min, max, full, or min:/max:/auto: and a fraction (min:0.02)");
  if (!v.is_string()) return bad;
  const std::string text = ToLower(Trim(v.get<std::string>()));
  if (auto n = ParseDouble(text)) {
    r.kind = StyleRange::Kind::kNumber;
    r.value = *n;
    return r;
  }
  std::string word = text;
  if (size_t colon = text.find(':'); colon != std::string::npos) {
    word = text.substr(0, colon);
    auto t = ParseDouble(text.substr(colon + 1));
    if (!t || *t < 0 || *t > 1 || word == "full") return bad;
    r.threshold = *t;
  }
  if (word == "auto") {
    r.kind = StyleRange::Kind::kAuto;
  } else if (word == "min") {
    r.kind = StyleRange::Kind::kMin;
  } else if (word == "max") {
    r.kind = StyleRange::Kind::kMax;
  } else if (word == "full") {
    r.kind = StyleRange::Kind::kFull;
  } else {
    return bad;
  }
  return r;
}

StatusOr<StyleDtype> ParseDtype(const Json& v) {
  if (v.is_string()) {
    const std::string d = ToLower(v.get<std::string>());
    if (d == "uint8") return StyleDtype::kUint8;
    if (d == "uint16") return StyleDtype::kUint16;
    if (d == "float") return StyleDtype::kFloat;
    if (d == "source") return StyleDtype::kSource;
  }
  return StyleError("dtype " + v.dump(), "use uint8, uint16, float or source");
}

StatusOr<int> ParseAxis(const Json& v) {
  auto a = IntegerOf(v);
  if (!a || *a < 0 || *a > 3) return StyleError("axis " + v.dump(), "use 0, 1, 2 or 3");
  return static_cast<int>(*a);
}

StatusOr<StyleBand> ParseBand(const Json& j, const std::string& where) {
  if (!j.is_object()) return StyleError(where, "a band must be a JSON object");
  StyleBand b;
  if (j.contains("function")) {
    return StyleError(where + " function",
                      "style functions (Python code in large_image) are not supported");
  }
  if (auto it = j.find("band"); it != j.end() && !it->is_null()) {
    if (auto n = IntegerOf(*it)) {
      if (*n != -1) {
        if (*n < 1) return StyleError(where + " band " + it->dump(), "bands count from 1");
        b.select = StyleBand::Select::kIndex;
        b.index = static_cast<int>(std::min<int64_t>(*n, 1 << 20));
      }
    } else if (it->is_string()) {
      const std::string name = it->get<std::string>();
      const std::string lower = ToLower(name);
      if (lower == "red") {
        b.select = StyleBand::Select::kRed;
      } else if (lower == "green") {
        b.select = StyleBand::Select::kGreen;
      } else if (lower == "blue") {
        b.select = StyleBand::Select::kBlue;
      } else if (lower == "gray" || lower == "grey") {
        b.select = StyleBand::Select::kDefault;
      } else if (lower == "alpha") {
        b.select = StyleBand::Select::kAlpha;
      } else {
        b.select = StyleBand::Select::kName;
        b.name = name;
      }
    } else {
      return StyleError(where + " band " + it->dump(), "use a number from 1 or a band name");
    }
  }
  if (auto it = j.find("frame"); it != j.end() && !it->is_null()) {
    auto f = IntegerOf(*it);
    if (!f || *f < 0 || *f > (1 << 30)) {
      return StyleError(where + " frame " + it->dump(), "use a frame number from 0");
    }
    b.frame = static_cast<int>(*f);
  }
  if (auto it = j.find("framedelta"); it != j.end() && !it->is_null()) {
    auto d = IntegerOf(*it);
    if (!d || std::llabs(*d) > (1 << 30)) {
      return StyleError(where + " framedelta " + it->dump(), "use a whole number");
    }
    b.framedelta = static_cast<int>(*d);
  }
  if (auto it = j.find("min"); it != j.end() && !it->is_null()) {
    TS_ASSIGN_OR_RETURN(b.min, ParseRange(*it, where + " min " + it->dump()));
  }
  if (auto it = j.find("max"); it != j.end() && !it->is_null()) {
    TS_ASSIGN_OR_RETURN(b.max, ParseRange(*it, where + " max " + it->dump()));
  }
  if (auto it = j.find("palette"); it != j.end() && !it->is_null()) {
    auto palette = PaletteColors(*it);
    if (!palette.ok()) return StyleError(where + " palette", palette.status().message());
    b.palette = std::move(*palette);
  }
  if (auto it = j.find("scheme"); it != j.end() && !it->is_null()) {
    const std::string s = it->is_string() ? ToLower(it->get<std::string>()) : "";
    if (s != "linear" && s != "discrete") {
      return StyleError(where + " scheme " + it->dump(), "use linear or discrete");
    }
    b.discrete = s == "discrete";
  }
  if (auto it = j.find("nodata"); it != j.end() && !it->is_null()) {
    // "auto" means the band's own nodata value, which only geospatial sources have.
    if (!(it->is_string() && ToLower(it->get<std::string>()) == "auto")) {
      auto n = NumberOf(*it);
      if (!n) return StyleError(where + " nodata " + it->dump(), "use a number");
      b.nodata = *n;
    }
  }
  if (auto it = j.find("composite"); it != j.end() && !it->is_null()) {
    const std::string c = it->is_string() ? ToLower(it->get<std::string>()) : "";
    if (c != "lighten" && c != "multiply") {
      return StyleError(where + " composite " + it->dump(), "use lighten or multiply");
    }
    b.composite = c == "multiply" ? StyleComposite::kMultiply : StyleComposite::kLighten;
  }
  if (auto it = j.find("clamp"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return StyleError(where + " clamp " + it->dump(), "use true or false");
    b.clamp = it->get<bool>();
  }
  return b;
}

}  // namespace

StatusOr<Style> ParseStyle(std::string_view text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgumentError("Style is not a valid json object.");
  }
  Style s;
  if (auto it = j.find("icc"); it != j.end() && !it->is_null()) {
    if (it->is_boolean()) {
      s.icc = it->get<bool>();
    } else if (it->is_string()) {
      const std::string intent = ToLower(it->get<std::string>());
      static const std::set<std::string> kIntents = {
          "perceptual", "relative", "relative_colorimetric",
          "saturation", "absolute", "absolute_colorimetric"};
      if (!kIntents.count(intent)) {
        return StyleError("icc " + it->dump(),
                          "use true, false or an intent (perceptual, relative_colorimetric, "
                          "saturation, absolute_colorimetric)");
      }
      s.icc = true;
      s.icc_intent = intent;
    } else {
      return StyleError("icc " + it->dump(), "use true, false or an intent name");
    }
  }
  if (j.contains("function")) {
    return StyleError("function", "style functions (Python code in large_image) are not supported");
  }
  const bool only_icc = std::all_of(j.items().begin(), j.items().end(),
                                    [](const auto& kv) { return kv.key() == "icc"; });
  if (!only_icc) {
    if (auto it = j.find("bands"); it != j.end()) {
      if (!it->is_array() || it->empty()) {
        return StyleError("bands", "a list of at least one band object");
      }
      for (size_t i = 0; i < it->size(); ++i) {
        TS_ASSIGN_OR_RETURN(StyleBand b,
                            ParseBand((*it)[i], "band " + std::to_string(i + 1) + " of bands"));
        s.bands.push_back(std::move(b));
      }
    } else {
      TS_ASSIGN_OR_RETURN(StyleBand b, ParseBand(j, "the band"));
      s.bands.push_back(std::move(b));
    }
    // dtype and axis: the style's own, else the first band's that says (large_image's order).
    std::vector<const Json*> holders = {&j};
    if (auto it = j.find("bands"); it != j.end()) {
      for (const Json& b : *it) holders.push_back(&b);
    }
    bool have_dtype = false, have_axis = false;
    for (const Json* h : holders) {
      if (auto it = h->find("dtype"); !have_dtype && it != h->end() && !it->is_null()) {
        TS_ASSIGN_OR_RETURN(s.dtype, ParseDtype(*it));
        have_dtype = true;
      }
      if (auto it = h->find("axis"); !have_axis && it != h->end() && !it->is_null()) {
        TS_ASSIGN_OR_RETURN(s.axis, ParseAxis(*it));
        have_axis = true;
      }
    }
  }
  // {} and {"icc": true} are the default style.
  if (!(j.empty() || (only_icc && s.icc == true && s.icc_intent == "perceptual"))) {
    s.canonical = j.dump();  // nlohmann::json keeps keys sorted: a canonical text
  }
  return s;
}

// ---- applying

namespace {

enum class ChannelMode : uint8_t { kSkip, kConstant, kComputed };

double PaletteChannel(const Rgba& c, int channel) {
  switch (channel) {
    case 0:
      return c.r;
    case 1:
      return c.g;
    case 2:
      return c.b;
    default:
      return c.a;
  }
}

// The colour channel `c` of palette position v (the band normalized to 0..1), as large_image
// computes it: numpy.interp over evenly spaced stops, floor(v * n) for discrete palettes, and
// v * last when there are two stops and the first is 0.
double Colour(const ResolvedBand& b, int c, double v) {
  const auto& p = b.palette;
  const int n = static_cast<int>(p.size());
  if (b.discrete) {
    double k = std::floor(v * n);
    int i = std::isnan(k) ? 0 : static_cast<int>(std::clamp(k, 0.0, static_cast<double>(n - 1)));
    return PaletteChannel(p[static_cast<size_t>(i)], c);
  }
  if (n == 2 && PaletteChannel(p[0], c) == 0) return v * PaletteChannel(p[1], c);
  if (std::isnan(v)) return v;
  if (v <= 0 || n == 1) return PaletteChannel(p[0], c);
  if (v >= 1) return PaletteChannel(p[static_cast<size_t>(n - 1)], c);
  // numpy.linspace(0, 1, n): stop j at j * (1 / (n - 1)).
  const double step = 1.0 / (n - 1);
  int j = std::clamp(static_cast<int>(v * (n - 1)), 0, n - 2);
  while (j > 0 && j * step > v) --j;
  while (j < n - 2 && (j + 1) * step <= v) ++j;
  const double x0 = j * step, x1 = j + 1 == n - 1 ? 1.0 : (j + 1) * step;
  const double f0 = PaletteChannel(p[static_cast<size_t>(j)], c);
  const double f1 = PaletteChannel(p[static_cast<size_t>(j + 1)], c);
  return (f1 - f0) / (x1 - x0) * (v - x0) + f0;
}

std::array<ChannelMode, 4> ChannelModes(const ResolvedBand& b, int channels) {
  std::array<ChannelMode, 4> modes{};
  for (int c = 0; c < channels; ++c) {
    const double first = PaletteChannel(b.palette[0], c);
    const bool constant = std::all_of(b.palette.begin(), b.palette.end(),
                                      [&](const Rgba& s) { return PaletteChannel(s, c) == first; });
    if (!constant) {
      modes[static_cast<size_t>(c)] = ChannelMode::kComputed;
    } else if ((first == 0 && b.composite != StyleComposite::kMultiply) ||
               (first == 255 && b.composite == StyleComposite::kMultiply)) {
      modes[static_cast<size_t>(c)] = ChannelMode::kSkip;
    } else {
      modes[static_cast<size_t>(c)] = ChannelMode::kConstant;
    }
  }
  return modes;
}

}  // namespace

// Colours (already divided by 255 for `multiply`) and mask of every value of an 8-bit band:
// the per-pixel work becomes a read from a table that stays in the L1 cache. (Wider types are
// computed per pixel: a 65536-entry table per channel misses the caches more than the
// arithmetic costs.)
struct ResolvedStyle::Table {
  int64_t offset = 0;            // value v is entry v + offset
  std::vector<float> colour;     // 256 entries x output channels
  std::vector<uint8_t> visible;  // 256 entries: 1 unless nodata / clamp masks the value
};

ResolvedStyle::ResolvedStyle(std::vector<ResolvedBand> bands, PixelType input_type,
                             int output_bands, StyleDtype dtype, std::optional<int> axis)
    : bands_(std::move(bands)),
      input_type_(input_type),
      output_bands_(output_bands),
      dtype_(dtype),
      axis_(axis) {
  const bool eight_bit = input_type_ == PixelType::kU8 || input_type_ == PixelType::kI8;
  for (const ResolvedBand& b : bands_) {
    if (!eight_bit || b.channel < 0) {
      tables_.push_back(nullptr);
      continue;
    }
    auto t = std::make_shared<Table>();
    t->offset = input_type_ == PixelType::kI8 ? 128 : 0;
    t->colour.resize(static_cast<size_t>(256 * output_bands_));
    t->visible.resize(256);
    const double delta = b.max != b.min ? b.max - b.min : 1;
    for (int64_t e = 0; e < 256; ++e) {
      const double raw = static_cast<double>(e - t->offset);
      const double v = (raw - b.min) / delta;
      bool visible = !(b.nodata && raw == *b.nodata);
      if (!b.clamp) visible = visible && v >= 0 && v <= 1;
      t->visible[static_cast<size_t>(e)] = visible;
      for (int c = 0; c < output_bands_; ++c) {
        const double colour = Colour(b, c, v);
        t->colour[static_cast<size_t>(e * output_bands_ + c)] =
            static_cast<float>(b.composite == StyleComposite::kMultiply ? colour / 255 : colour);
      }
    }
    tables_.push_back(std::move(t));
  }
}

std::vector<int> ResolvedStyle::Frames() const {
  std::vector<int> frames;
  for (const ResolvedBand& b : bands_) {
    if (std::find(frames.begin(), frames.end(), b.frame) == frames.end()) {
      frames.push_back(b.frame);
    }
  }
  return frames;
}

StatusOr<Image> ResolvedStyle::Apply(const std::function<const Image*(int frame)>& pixels_of,
                                     int width, int height) const {
  const int ch = output_bands_;
  const size_t n = static_cast<size_t>(width) * static_cast<size_t>(height);
  std::vector<float> out(n * static_cast<size_t>(ch), 0.0f);
  for (size_t eidx = 0; eidx < bands_.size(); ++eidx) {
    const ResolvedBand& b = bands_[eidx];
    const Image* src = pixels_of(b.frame);
    if (!src || src->width() < width || src->height() < height || src->type() != input_type_ ||
        (b.channel >= 0 && b.channel >= src->bands())) {
      return InternalError("style: the pixels of frame " + std::to_string(b.frame) +
                           " do not match the image");
    }
    const std::array<ChannelMode, 4> modes = ChannelModes(b, ch);
    const bool multiply = b.composite == StyleComposite::kMultiply;
    if (multiply && eidx == 0) continue;  // large_image multiplies into nothing for band one
    const Table* table = tables_[eidx].get();
    const double delta = b.max != b.min ? b.max - b.min : 1;
    // Per channel: how its colour is had. Two stops starting at 0 (the usual fluorescence
    // palette) are v * top, computed inline.
    enum class How : uint8_t { kSkip, kConstant, kTable, kScale, kPalette };
    How how[4];
    double constant[4] = {0, 0, 0, 0}, top[4] = {0, 0, 0, 0};
    for (int c = 0; c < ch; ++c) {
      if (modes[static_cast<size_t>(c)] == ChannelMode::kSkip) {
        how[c] = How::kSkip;
      } else if (modes[static_cast<size_t>(c)] == ChannelMode::kConstant) {
        how[c] = How::kConstant;
        constant[c] = PaletteChannel(b.palette[0], c) / (multiply ? 255.0 : 1.0);
      } else if (table) {
        how[c] = How::kTable;
      } else if (!b.discrete && b.palette.size() == 2 && PaletteChannel(b.palette[0], c) == 0) {
        how[c] = How::kScale;
        top[c] = PaletteChannel(b.palette[1], c);
      } else {
        how[c] = How::kPalette;
      }
    }
    // How a band's colour joins the output: 0 multiply, 1 the first band (it writes), 2 lighten.
    const int op = multiply ? 0 : eidx == 0 ? 1 : 2;
    std::vector<double> v(static_cast<size_t>(width));
    std::vector<uint8_t> shown(static_cast<size_t>(width));
    std::vector<uint16_t> entry(static_cast<size_t>(width));
    // One pass per row and channel, typed once per band (no per-sample dispatch).
    DispatchPixelType(input_type_, [&](auto zero) {
      using T = decltype(zero);
      const int stride = src->bands();
      for (int y = 0; y < height; ++y) {
        const T* in = src->row_as<T>(y) + std::max(b.channel, 0);
        float* row = out.data() + static_cast<size_t>(y) * width * ch;
        if (table) {
          const int64_t offset = table->offset;
          const uint8_t* visible = table->visible.data();
          uint16_t* __restrict entries = entry.data();
          uint8_t* __restrict shows = shown.data();
          for (int x = 0; x < width; ++x) {
            const auto e = static_cast<uint16_t>(static_cast<int64_t>(in[x * stride]) + offset);
            entries[x] = e;
            shows[x] = visible[e];
          }
        } else {
          // Locals, so that the loop does not reload them through `b` after every store.
          const double lo = b.min, dl = delta;
          const bool masked = b.nodata.has_value() || !b.clamp;
          double* __restrict values = v.data();
          uint8_t* __restrict shows = shown.data();
          if (b.channel < 0) {
            for (int x = 0; x < width; ++x) values[x] = (255.0 - lo) / dl;
          } else {
            for (int x = 0; x < width; ++x)
              values[x] = (static_cast<double>(in[x * stride]) - lo) / dl;
          }
          if (!masked) {
            std::fill(shows, shows + width, uint8_t{1});
          } else {
            for (int x = 0; x < width; ++x) {
              const double raw = b.channel < 0 ? 255.0 : static_cast<double>(in[x * stride]);
              bool show = !(b.nodata && raw == *b.nodata);
              if (!b.clamp) show = show && values[x] >= 0 && values[x] <= 1;
              shows[x] = show;
            }
          }
        }
        for (int c = 0; c < ch; ++c) {
          float* __restrict o = row + c;
          const uint8_t* __restrict shown_row = shown.data();
          // `colour_of(x)` for every pixel of the row, composited by `op`.
          auto each = [&](auto&& colour_of) {
            switch (op) {
              case 0:
                for (int x = 0; x < width; ++x) {
                  o[x * ch] = static_cast<float>(o[x * ch] * (shown_row[x] ? colour_of(x) : 1.0));
                }
                break;
              case 1:
                for (int x = 0; x < width; ++x) {
                  o[x * ch] = static_cast<float>(shown_row[x] ? colour_of(x) : 0.0);
                }
                break;
              default:
                for (int x = 0; x < width; ++x) {
                  const double colour = shown_row[x] ? colour_of(x) : 0.0;
                  o[x * ch] = static_cast<float>(std::max<double>(o[x * ch], colour));
                }
                break;
            }
          };
          switch (how[c]) {
            case How::kSkip:
              break;
            case How::kConstant:
              each([&](int) { return constant[c]; });
              break;
            case How::kTable: {
              const float* colours = table->colour.data() + c;
              each([&](int x) { return static_cast<double>(colours[entry[x] * ch]); });
              break;
            }
            case How::kScale: {
              const double t = multiply ? top[c] / 255 : top[c];
              const double* values = v.data();
              each([&](int x) { return values[x] * t; });
              break;
            }
            case How::kPalette:
              each([&](int x) {
                const double colour = Colour(b, c, v[x]);
                return multiply ? colour / 255 : colour;
              });
              break;
          }
        }
      }
    });
  }
  // The output type, then the axis: one pass, each output sample from its float.
  const int keep = axis_ && *axis_ < ch ? 1 : ch;
  const int first = keep == 1 && axis_ ? *axis_ : 0;
  auto convert = [&](auto zero, PixelType type, auto&& cast) {
    using T = decltype(zero);
    Image img = Image::Uninitialized(width, height, keep, type);
    T* dst = img.row_as<T>(0);
    const float* src = out.data() + first;
    for (size_t i = 0; i < n; ++i, src += ch, dst += keep) {
      for (int c = 0; c < keep; ++c) dst[c] = cast(src[c]);
    }
    return img;
  };
  if (dtype_ == StyleDtype::kFloat) {
    return convert(float{}, PixelType::kF32, [](float v) { return v / 255.0f; });
  }
  if (dtype_ == StyleDtype::kUint16) {
    // numpy: (output * 65535 / 255) in float32, then the cast.
    return convert(uint16_t{}, PixelType::kU16, [](float v) {
      v = v * 65535.0f / 255.0f;
      return static_cast<uint16_t>(std::fmin(std::fmax(v, 0.0f), 65535.0f));  // NaN: 0
    });
  }
  // large_image leaves float32 for PIL, which clips to 0..255 and truncates (NaN: 0).
  return convert(uint8_t{}, PixelType::kU8,
                 [](float v) { return static_cast<uint8_t>(v > 0 ? std::min(v, 255.0f) : 0.0f); });
}

}  // namespace tessera
