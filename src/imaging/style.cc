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

bool HasTable(PixelType t) {
  return t == PixelType::kU8 || t == PixelType::kI8 || t == PixelType::kU16 || t == PixelType::kI16;
}

}  // namespace

// Colours (already multiplied out for `multiply`) and mask of every value of an 8- or 16-bit
// band: the per-pixel work becomes a table read.
struct ResolvedStyle::Table {
  int64_t offset = 0;            // value v is entry v + offset
  int channels = 0;              // output channels
  std::vector<float> colour;     // entries x channels
  std::vector<uint8_t> visible;  // entries: 1 unless nodata / clamp masks the value
};

ResolvedStyle::ResolvedStyle(std::vector<ResolvedBand> bands, PixelType input_type,
                             int output_bands, StyleDtype dtype, std::optional<int> axis)
    : bands_(std::move(bands)),
      input_type_(input_type),
      output_bands_(output_bands),
      dtype_(dtype),
      axis_(axis) {
  for (const ResolvedBand& b : bands_) {
    if (!HasTable(input_type_) || b.channel < 0) {
      tables_.push_back(nullptr);
      continue;
    }
    auto t = std::make_shared<Table>();
    const bool wide = input_type_ == PixelType::kU16 || input_type_ == PixelType::kI16;
    const bool is_signed = input_type_ == PixelType::kI8 || input_type_ == PixelType::kI16;
    const int64_t entries = wide ? 65536 : 256;
    t->offset = is_signed ? entries / 2 : 0;
    t->channels = output_bands_;
    t->colour.resize(static_cast<size_t>(entries * output_bands_));
    t->visible.resize(static_cast<size_t>(entries));
    const double delta = b.max != b.min ? b.max - b.min : 1;
    for (int64_t e = 0; e < entries; ++e) {
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
    const ChannelMode* mode = modes.data();
    // One pass over the pixels, typed once per band (no per-sample dispatch).
    DispatchPixelType(input_type_, [&](auto zero) {
      using T = decltype(zero);
      const int stride = src->bands();
      for (int y = 0; y < height; ++y) {
        const T* in = src->row_as<T>(y) + std::max(b.channel, 0);
        float* o = out.data() + static_cast<size_t>(y) * width * ch;
        for (int x = 0; x < width; ++x, o += ch, in += stride) {
          // The band's colour of this pixel per channel, and whether the pixel shows.
          const float* colours = nullptr;
          double computed[4] = {0, 0, 0, 0};
          bool visible = true;
          if (table) {
            const size_t e = static_cast<size_t>(static_cast<int64_t>(*in) + table->offset);
            colours = table->colour.data() + e * static_cast<size_t>(ch);
            visible = table->visible[e];
          } else {
            const double raw = b.channel < 0 ? 255.0 : static_cast<double>(*in);
            const double v = (raw - b.min) / delta;
            visible = !(b.nodata && raw == *b.nodata);
            if (!b.clamp) visible = visible && v >= 0 && v <= 1;
            for (int c = 0; c < ch; ++c) {
              if (mode[c] != ChannelMode::kComputed) continue;
              const double colour = Colour(b, c, v);
              computed[c] = multiply ? colour / 255 : colour;
            }
          }
          for (int c = 0; c < ch; ++c) {
            if (mode[c] == ChannelMode::kSkip) continue;
            double colour;
            if (mode[c] == ChannelMode::kConstant) {
              colour = PaletteChannel(b.palette[0], c);
              if (multiply) colour /= 255;
            } else {
              colour = colours ? colours[c] : computed[c];
            }
            if (multiply) {
              o[c] = static_cast<float>(o[c] * (visible ? colour : 1.0));
            } else if (eidx == 0) {
              o[c] = static_cast<float>(visible ? colour : 0.0);
            } else {
              o[c] = static_cast<float>(std::max<double>(o[c], visible ? colour : 0.0));
            }
          }
        }
      }
    });
  }
  // The output type, then the axis.
  const int keep = axis_ && *axis_ < ch ? 1 : ch;
  const int first = keep == 1 && axis_ ? *axis_ : 0;
  auto make = [&](PixelType type) { return Image::Uninitialized(width, height, keep, type); };
  if (dtype_ == StyleDtype::kFloat) {
    Image img = make(PixelType::kF32);
    for (size_t i = 0; i < n; ++i) {
      for (int c = 0; c < keep; ++c) {
        img.row_as<float>(0)[i * keep + c] = out[i * ch + first + c] / 255.0f;
      }
    }
    return img;
  }
  if (dtype_ == StyleDtype::kUint16) {
    Image img = make(PixelType::kU16);
    for (size_t i = 0; i < n; ++i) {
      for (int c = 0; c < keep; ++c) {
        float v = out[i * ch + first + c] * 65535.0f / 255.0f;
        if (std::isnan(v)) v = 0;
        img.row_as<uint16_t>(0)[i * keep + c] =
            static_cast<uint16_t>(std::clamp(v, 0.0f, 65535.0f));
      }
    }
    return img;
  }
  // large_image leaves float32 for PIL, which clips to 0..255 and truncates (NaN: 0).
  Image img = make(PixelType::kU8);
  for (size_t i = 0; i < n; ++i) {
    for (int c = 0; c < keep; ++c) {
      float v = out[i * ch + first + c];
      if (std::isnan(v)) v = 0;
      img.row(0)[i * keep + c] = static_cast<uint8_t>(std::clamp(v, 0.0f, 255.0f));
    }
  }
  return img;
}

}  // namespace tessera
