#include "imaging/style.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace tessera {
namespace {

std::string ErrorOf(const StatusOr<Style>& s) { return s.ok() ? "" : s.status().message(); }

TEST(StyleParseTest, FormsAndCanonicalText) {
  auto single = ParseStyle(R"({"band": 2, "min": 10, "max": "max:0.02", "palette": "#f00"})");
  ASSERT_TRUE(single.ok()) << single.status().ToString();
  ASSERT_EQ(single->bands.size(), 1u);
  const StyleBand& b = single->bands[0];
  EXPECT_EQ(b.select, StyleBand::Select::kIndex);
  EXPECT_EQ(b.index, 2);
  EXPECT_EQ(b.min.kind, StyleRange::Kind::kNumber);
  EXPECT_EQ(b.min.value, 10);
  EXPECT_EQ(b.max.kind, StyleRange::Kind::kMax);
  EXPECT_EQ(b.max.threshold, 0.02);
  ASSERT_TRUE(b.palette);
  ASSERT_EQ(b.palette->size(), 2u);  // one colour: black to it
  EXPECT_EQ((*b.palette)[1], (Rgba{255, 0, 0, 255}));

  auto multi = ParseStyle(
      R"({"dtype": "uint16", "bands": [{"band": "red", "frame": 2, "axis": 1},
          {"band": "Hoechst", "framedelta": -1, "scheme": "discrete", "nodata": 0,
           "composite": "multiply", "clamp": false, "min": "auto", "max": "full"}]})");
  ASSERT_TRUE(multi.ok()) << multi.status().ToString();
  ASSERT_EQ(multi->bands.size(), 2u);
  EXPECT_EQ(multi->dtype, StyleDtype::kUint16);
  EXPECT_EQ(multi->axis, 1);  // from the first band that says
  EXPECT_EQ(multi->bands[0].select, StyleBand::Select::kRed);
  EXPECT_EQ(multi->bands[0].frame, 2);
  EXPECT_EQ(multi->bands[1].select, StyleBand::Select::kName);
  EXPECT_EQ(multi->bands[1].name, "Hoechst");
  EXPECT_EQ(multi->bands[1].framedelta, -1);
  EXPECT_TRUE(multi->bands[1].discrete);
  EXPECT_EQ(multi->bands[1].nodata, 0);
  EXPECT_EQ(multi->bands[1].composite, StyleComposite::kMultiply);
  EXPECT_FALSE(multi->bands[1].clamp);
  EXPECT_EQ(multi->bands[1].max.kind, StyleRange::Kind::kFull);

  // The default style has no text; key order does not matter.
  EXPECT_EQ(ParseStyle("{}")->canonical, "");
  EXPECT_EQ(ParseStyle(R"({"icc": true})")->canonical, "");
  EXPECT_EQ(ParseStyle(R"({"icc": false})")->canonical, kIccOffStyle);
  EXPECT_TRUE(ParseStyle(R"({"icc": false})")->bands.empty());
  EXPECT_EQ(ParseStyle(R"({"min": 1, "max": 2})")->canonical,
            ParseStyle(R"({ "max":2,"min" :1 })")->canonical);
  // Anything else is one default band (large_image's rule).
  EXPECT_EQ(ParseStyle(R"({"dtype": "uint8"})")->bands.size(), 1u);
}

TEST(StyleParseTest, ErrorsNameThePart) {
  EXPECT_EQ(ErrorOf(ParseStyle("not json")), "Style is not a valid json object.");
  EXPECT_EQ(ErrorOf(ParseStyle("[1, 2]")), "Style is not a valid json object.");
  struct Case {
    const char* style;
    const char* part;
  };
  for (const Case& c : {
           Case{R"({"band": 0})", "band 0"},
           Case{R"({"band": true})", "band true"},
           Case{R"({"min": "lots"})", "min \"lots\""},
           Case{R"({"max": "max:2"})", "max \"max:2\""},
           Case{R"({"palette": "#ggg"})", "palette"},
           Case{R"({"palette": []})", "palette"},
           Case{R"({"scheme": "log"})", "scheme"},
           Case{R"({"composite": "screen"})", "composite"},
           Case{R"({"clamp": "yes"})", "clamp"},
           Case{R"({"dtype": "int8"})", "dtype"},
           Case{R"({"axis": 4})", "axis"},
           Case{R"({"frame": -1})", "frame"},
           Case{R"({"bands": []})", "bands"},
           Case{R"({"bands": [{"band": 1}, 7]})", "band 2 of bands"},
           Case{R"({"icc": "vivid"})", "icc"},
           Case{R"({"function": "os.system"})", "function"},
           Case{R"({"bands": [{"function": {"name": "x"}}]})", "function"},
       }) {
    const std::string e = ErrorOf(ParseStyle(c.style));
    EXPECT_NE(e.find("Invalid style"), std::string::npos) << c.style << ": " << e;
    EXPECT_NE(e.find(c.part), std::string::npos) << c.style << ": " << e;
  }
}

// A plain loop over pixels, the formulas of large_image's _applyStyle written out.
double Lerp2(double v, double top) { return v * top; }  // two stops starting at 0

TEST(StyleApplyTest, OneGreyBandKeepsOneChannel) {
  Image img(7, 3, 1, PixelType::kU8);
  for (int i = 0; i < 21; ++i) img.data()[i] = static_cast<uint8_t>(i * 12);
  ResolvedBand b;
  b.min = 20;
  b.max = 200;
  b.palette = {Rgba{0, 0, 0, 255}, Rgba{255, 255, 255, 255}};
  ResolvedStyle style({b}, PixelType::kU8, 1, StyleDtype::kNone, std::nullopt);
  auto out = style.Apply([&](int) { return &img; }, 7, 3);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->bands(), 1);
  ASSERT_EQ(out->type(), PixelType::kU8);
  for (int i = 0; i < 21; ++i) {
    const double v = (i * 12 - 20.0) / 180.0;
    const double want = std::clamp(Lerp2(v, 255), 0.0, 255.0);
    EXPECT_EQ(out->data()[i], static_cast<uint8_t>(static_cast<float>(want))) << i;
  }
}

TEST(StyleApplyTest, SixteenBitCompositeOfThreeFramesLightens) {
  // Three "frames" of a 16-bit single-channel image, each coloured red, green or blue.
  Image f[3] = {Image(4, 4, 1, PixelType::kU16), Image(4, 4, 1, PixelType::kU16),
                Image(4, 4, 1, PixelType::kU16)};
  for (int k = 0; k < 3; ++k) {
    for (int i = 0; i < 16; ++i)
      f[k].row_as<uint16_t>(0)[i] = static_cast<uint16_t>(i * 4000 + k * 7);
  }
  std::vector<ResolvedBand> bands(3);
  const Rgba tops[3] = {{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}};
  for (int k = 0; k < 3; ++k) {
    bands[k].frame = k;
    bands[k].min = 1000.0 * k;
    bands[k].max = 50000;
    bands[k].palette = {Rgba{0, 0, 0, 255}, tops[k]};
  }
  ResolvedStyle style(bands, PixelType::kU16, 4, StyleDtype::kNone, std::nullopt);
  EXPECT_EQ(style.Frames(), (std::vector<int>{0, 1, 2}));
  auto out = style.Apply([&](int frame) { return &f[frame]; }, 4, 4);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->bands(), 4);
  for (int i = 0; i < 16; ++i) {
    for (int c = 0; c < 3; ++c) {
      const double raw = f[c].row_as<uint16_t>(0)[i];
      const double v = (raw - 1000.0 * c) / (50000 - 1000.0 * c);
      const float want = static_cast<float>(std::clamp(v * 255, 0.0, 255.0));
      EXPECT_EQ(out->data()[i * 4 + c], static_cast<uint8_t>(want)) << i << " " << c;
    }
    EXPECT_EQ(out->data()[i * 4 + 3], 255);  // every palette is opaque: max of 255s
  }
}

TEST(StyleApplyTest, NodataAndClampFalseAreTransparent) {
  Image img(6, 1, 1, PixelType::kU8);
  const uint8_t values[6] = {0, 5, 50, 100, 150, 250};
  std::memcpy(img.data(), values, 6);
  ResolvedBand b;
  b.min = 10;
  b.max = 200;
  b.nodata = 100;
  b.clamp = false;
  b.palette = {Rgba{0, 0, 0, 255}, Rgba{255, 255, 255, 255}};
  ResolvedStyle style({b}, PixelType::kU8, 4, StyleDtype::kNone, std::nullopt);
  auto out = style.Apply([&](int) { return &img; }, 6, 1);
  ASSERT_TRUE(out.ok());
  const bool shown[6] = {false, false, true, false, true, false};  // <min, nodata, >max hidden
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(out->data()[i * 4 + 3], shown[i] ? 255 : 0) << i;
    if (shown[i]) {
      const float want = static_cast<float>((values[i] - 10.0) / 190.0 * 255);
      EXPECT_EQ(out->data()[i * 4], static_cast<uint8_t>(want)) << i;
    } else {
      EXPECT_EQ(out->data()[i * 4], 0) << i;
    }
  }
}

TEST(StyleApplyTest, PalettesInterpolateOrStepAndFloatInputsToo) {
  // Three stops: interpolated by numpy.interp, or picked by floor(v * 3) when discrete.
  const std::vector<Rgba> palette = {{0, 0, 255, 255}, {0, 255, 0, 255}, {255, 0, 0, 128}};
  Image img(5, 1, 1, PixelType::kF32);
  const float values[5] = {-0.5f, 0.2f, 0.5f, 0.8f, 1.5f};
  std::memcpy(img.data(), values, sizeof(values));
  for (bool discrete : {false, true}) {
    ResolvedBand b;
    b.min = 0;
    b.max = 1;
    b.palette = palette;
    b.discrete = discrete;
    ResolvedStyle style({b}, PixelType::kF32, 4, StyleDtype::kFloat, std::nullopt);
    auto out = style.Apply([&](int) { return &img; }, 5, 1);
    ASSERT_TRUE(out.ok());
    ASSERT_EQ(out->type(), PixelType::kF32);
    for (int i = 0; i < 5; ++i) {
      const double v = values[i];
      for (int c = 0; c < 4; ++c) {
        auto at = [&](int k) {
          const Rgba& p = palette[static_cast<size_t>(k)];
          return c == 0 ? p.r : c == 1 ? p.g : c == 2 ? p.b : p.a;
        };
        double want;
        if (discrete) {
          want = at(std::clamp(static_cast<int>(std::floor(v * 3)), 0, 2));
        } else if (v <= 0) {
          want = at(0);
        } else if (v >= 1) {
          want = at(2);
        } else {
          const int j = v < 0.5 ? 0 : 1;
          want = at(j) + (at(j + 1) - at(j)) * (v - 0.5 * j) / 0.5;
        }
        EXPECT_FLOAT_EQ(out->row_as<float>(0)[i * 4 + c], static_cast<float>(want) / 255.0f)
            << (discrete ? "discrete " : "linear ") << i << " " << c;
      }
    }
  }
}

TEST(StyleApplyTest, DtypesAxisAndMultiply) {
  Image img(3, 1, 1, PixelType::kU8);
  const uint8_t values[3] = {0, 128, 255};
  std::memcpy(img.data(), values, 3);
  ResolvedBand grey;
  grey.min = 0;
  grey.max = 255;
  grey.palette = {Rgba{0, 0, 0, 255}, Rgba{255, 255, 255, 255}};
  // uint16: output x 65535 / 255, in float32 like numpy.
  ResolvedStyle u16({grey}, PixelType::kU8, 1, StyleDtype::kUint16, std::nullopt);
  auto out = u16.Apply([&](int) { return &img; }, 3, 1);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->type(), PixelType::kU16);
  EXPECT_EQ(out->row_as<uint16_t>(0)[0], 0);
  EXPECT_EQ(out->row_as<uint16_t>(0)[1], 128 * 257);
  EXPECT_EQ(out->row_as<uint16_t>(0)[2], 65535);
  // axis keeps one channel of the RGBA output.
  ResolvedBand red = grey;
  red.palette = {Rgba{0, 0, 0, 255}, Rgba{255, 0, 0, 255}};
  ResolvedStyle axis({red}, PixelType::kU8, 4, StyleDtype::kNone, 0);
  out = axis.Apply([&](int) { return &img; }, 3, 1);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->bands(), 1);
  EXPECT_EQ(out->data()[1], 128);
  // multiply: the first band leaves the output empty (large_image's quirk); a second multiplies.
  ResolvedBand half = grey;
  half.composite = StyleComposite::kMultiply;
  ResolvedStyle first_multiplies({half}, PixelType::kU8, 4, StyleDtype::kNone, std::nullopt);
  out = first_multiplies.Apply([&](int) { return &img; }, 3, 1);
  ASSERT_TRUE(out.ok());
  for (int i = 0; i < 12; ++i) EXPECT_EQ(out->data()[i], 0) << i;
  ResolvedStyle then_multiplies({red, half}, PixelType::kU8, 4, StyleDtype::kNone, std::nullopt);
  out = then_multiplies.Apply([&](int) { return &img; }, 3, 1);
  ASSERT_TRUE(out.ok());
  for (int i = 0; i < 3; ++i) {
    // red channel: v * 255 times v (the grey band / 255); alpha 255 x 1 (a constant 255
    // channel with multiply is skipped).
    const double v = values[i] / 255.0;
    const float want = static_cast<float>(static_cast<float>(v * 255) * v);
    EXPECT_EQ(out->data()[i * 4], static_cast<uint8_t>(want)) << i;
    EXPECT_EQ(out->data()[i * 4 + 3], 255) << i;
  }
}

}  // namespace
}  // namespace tessera
