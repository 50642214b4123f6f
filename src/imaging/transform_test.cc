#include "imaging/transform.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "imaging/orientation.h"
#include "testing/images.h"

namespace tessera {
namespace {

// Naive reference: rotate clockwise 90 degrees `quarters` times after an optional mirror,
// one pixel at a time.
Image NaiveRotate(const Image& src, int quarters, bool mirror) {
  Image cur = src.Clone();
  if (mirror) {
    Image m(cur.width(), cur.height(), cur.bands(), cur.type());
    for (int y = 0; y < cur.height(); ++y) {
      for (int x = 0; x < cur.width(); ++x) {
        std::memcpy(m.row(y) + x * m.pixel_bytes(),
                    cur.row(y) + (cur.width() - 1 - x) * cur.pixel_bytes(), cur.pixel_bytes());
      }
    }
    cur = std::move(m);
  }
  for (int q = 0; q < quarters; ++q) {
    Image r(cur.height(), cur.width(), cur.bands(), cur.type());
    // Clockwise: the left column, read bottom to top, becomes the top row.
    for (int y = 0; y < r.height(); ++y) {
      for (int x = 0; x < r.width(); ++x) {
        std::memcpy(r.row(y) + x * r.pixel_bytes(),
                    cur.row(cur.height() - 1 - x) + y * cur.pixel_bytes(), cur.pixel_bytes());
      }
    }
    cur = std::move(r);
  }
  return cur;
}

// The EXIF orientation that equals IIIF's mirror-then-rotate-clockwise.
TEST(TransformTest, RotateMirrorMovesCornersLikeIiif) {
  // 3x2 grey image: 0 1 2 / 3 4 5.
  Image img(3, 2, 1, PixelType::kU8);
  for (int i = 0; i < 6; ++i) img.data()[i] = static_cast<uint8_t>(i);
  struct Case {
    int degrees;
    bool mirror;
    int w, h;
    std::vector<uint8_t> pixels;
  };
  const Case cases[] = {
      {0, false, 3, 2, {0, 1, 2, 3, 4, 5}},   {90, false, 2, 3, {3, 0, 4, 1, 5, 2}},
      {180, false, 3, 2, {5, 4, 3, 2, 1, 0}}, {270, false, 2, 3, {2, 5, 1, 4, 0, 3}},
      {0, true, 3, 2, {2, 1, 0, 5, 4, 3}},    {90, true, 2, 3, {5, 2, 4, 1, 3, 0}},
      {180, true, 3, 2, {3, 4, 5, 0, 1, 2}},  {270, true, 2, 3, {0, 3, 1, 4, 2, 5}},
  };
  for (const Case& c : cases) {
    auto out = RotateMirror(img, c.degrees, c.mirror);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->width(), c.w);
    ASSERT_EQ(out->height(), c.h);
    EXPECT_EQ(std::vector<uint8_t>(out->data(), out->data() + 6), c.pixels)
        << c.degrees << (c.mirror ? " mirrored" : "");
  }
}

TEST(TransformTest, RotateMirrorMatchesReferencesForEveryTypeAndBandCount) {
  for (PixelType type : kAllTypes) {
    for (int bands : {1, 2, 3, 4, 5}) {
      // Sizes that cross the 64-pixel blocks unevenly.
      Image img = Noise(131, 70, bands, type, static_cast<uint64_t>(bands) * 7 + 1);
      for (int degrees : {0, 90, 180, 270}) {
        for (bool mirror : {false, true}) {
          auto out = RotateMirror(img, degrees, mirror);
          ASSERT_TRUE(out.ok());
          EXPECT_TRUE(*out == NaiveRotate(img, degrees / 90, mirror))
              << PixelTypeName(type) << " x" << bands << " " << degrees << " " << mirror;
        }
      }
    }
  }
}

// TIFF 6.0's Orientation tag names where the 0th stored row and column are shown:
// 2 top/right, 3 bottom/right, 4 bottom/left, 5 left/top, 6 right/top, 7 right/bottom,
// 8 left/bottom. The stored pixel (column, row) shown at (x, y) of a w x h displayed image:
std::pair<int, int> StoredPixelShownAt(int orientation, int x, int y, int w, int h) {
  switch (orientation) {
    case 2:
      return {w - 1 - x, y};
    case 3:
      return {w - 1 - x, h - 1 - y};
    case 4:
      return {x, h - 1 - y};
    case 5:
      return {y, x};
    case 6:
      return {y, w - 1 - x};
    case 7:
      return {h - 1 - y, w - 1 - x};
    case 8:
      return {h - 1 - y, x};
    default:
      return {x, y};
  }
}

TEST(TransformTest, OrientImageFollowsTheTiffDefinitions) {
  Image stored = Noise(7, 4, 3, PixelType::kU16, 5);
  for (int o = 1; o <= 8; ++o) {
    Image shown = OrientImage(o, stored);
    const bool swap = o >= 5;
    ASSERT_EQ(shown.width(), swap ? 4 : 7) << o;
    ASSERT_EQ(shown.height(), swap ? 7 : 4) << o;
    for (int y = 0; y < shown.height(); ++y) {
      for (int x = 0; x < shown.width(); ++x) {
        auto [c, r] = StoredPixelShownAt(o, x, y, shown.width(), shown.height());
        EXPECT_EQ(std::memcmp(shown.row(y) + x * shown.pixel_bytes(),
                              stored.row(r) + c * stored.pixel_bytes(), stored.pixel_bytes()),
                  0)
            << "orientation " << o << " at " << x << "," << y;
      }
    }
  }
}

TEST(TransformTest, RotateMirrorRefusesOtherAnglesAndKeepsEmptyImages) {
  Image img(4, 3, 3, PixelType::kU8);
  EXPECT_FALSE(RotateMirror(img, 45, false).ok());
  EXPECT_FALSE(RotateMirror(img, -90, false).ok());
  auto empty = RotateMirror(Image(0, 5, 3, PixelType::kU8), 90, false);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->width(), 5);
  EXPECT_EQ(empty->height(), 0);
}

TEST(TransformTest, RotateArbitraryTurnsClockwiseOntoTheBoundingBox) {
  // Top half red, bottom half blue.
  Image img(200, 100, 3, PixelType::kU8);
  img.Fill(Rect{0, 0, 200, 50}, {255, 0, 0});
  img.Fill(Rect{0, 50, 200, 50}, {0, 0, 255});
  auto out = RotateArbitrary(img, 30, false, /*add_alpha=*/true);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const double rad = 30 * std::acos(-1.0) / 180;
  EXPECT_NEAR(out->width(), 200 * std::cos(rad) + 100 * std::sin(rad), 2);
  EXPECT_NEAR(out->height(), 200 * std::sin(rad) + 100 * std::cos(rad), 2);
  ASSERT_EQ(out->bands(), 4);
  // The corners are transparent, the centre opaque.
  EXPECT_EQ(out->row(0)[3], 0);
  const int cx = out->width() / 2, cy = out->height() / 2;
  EXPECT_EQ(out->row(cy)[cx * 4 + 3], 255);
  // Colours are interpolated premultiplied: partly transparent edge pixels keep their colour.
  Image flat(60, 40, 3, PixelType::kU16);
  flat.Fill(Rect{0, 0, 60, 40}, {50000, 20000, 3000});
  auto edges = RotateArbitrary(flat, 17, true, true);
  ASSERT_TRUE(edges.ok()) << edges.status().ToString();
  int partial = 0;
  for (int y = 0; y < edges->height(); ++y) {
    for (int x = 0; x < edges->width(); ++x) {
      const uint16_t* p = edges->row_as<uint16_t>(y) + x * 4;
      if (p[3] < 4000) continue;
      if (p[3] < 60000) ++partial;
      ASSERT_NEAR(p[0], 50000, 40) << x << "," << y << " alpha " << p[3];
      ASSERT_NEAR(p[2], 3000, 40) << x << "," << y << " alpha " << p[3];
    }
  }
  EXPECT_GT(partial, 50);
  // Clockwise by nearly 90 degrees: the top (red) half ends up on the right.
  auto near90 = RotateArbitrary(img, 89, false, false);
  ASSERT_TRUE(near90.ok());
  ASSERT_EQ(near90->bands(), 3);
  const int my = near90->height() / 2;
  const uint8_t* right = near90->row(my) + (near90->width() / 2 + 20) * 3;
  const uint8_t* left = near90->row(my) + (near90->width() / 2 - 20) * 3;
  EXPECT_GT(right[0], 200);
  EXPECT_LT(right[2], 50);
  EXPECT_GT(left[2], 200);
  EXPECT_LT(left[0], 50);
}

TEST(TransformTest, RotateArbitraryUsesTheExactPathForRightAnglesAndKeepsTypes) {
  Image img = Noise(40, 30, 3, PixelType::kU16, 3);
  auto a = RotateArbitrary(img, 450, true, true);  // 450 = 90 (mod 360)
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(*a == NaiveRotate(img, 1, true));
  for (PixelType type : kAllTypes) {
    Image flat(20, 10, 1, type);
    flat.Fill(Rect{0, 0, 20, 10}, {100});
    auto r = RotateArbitrary(flat, 10, false, true);
    ASSERT_TRUE(r.ok()) << PixelTypeName(type) << ": " << r.status().ToString();
    EXPECT_EQ(r->type(), type);
    ASSERT_EQ(r->bands(), 2);
    DispatchPixelType(type, [&](auto zero) {
      using T = decltype(zero);
      const T* centre = r->row_as<T>(r->height() / 2) + (r->width() / 2) * 2;
      EXPECT_EQ(static_cast<double>(centre[0]), 100.0) << PixelTypeName(type);
    });
  }
  EXPECT_FALSE(RotateArbitrary(img, std::nan(""), false, false).ok());
}

TEST(TransformTest, GrayIsPilLumaAndKeepsAlpha) {
  Image rgba(2, 1, 4, PixelType::kU8);
  const uint8_t px[] = {61, 170, 126, 200, 255, 255, 255, 7};
  std::memcpy(rgba.data(), px, sizeof(px));
  Image g = ToGray(rgba);
  ASSERT_EQ(g.bands(), 2);
  // PIL: (61*19595 + 170*38470 + 126*7471 + 32768) >> 16 = 132.
  EXPECT_EQ(g.data()[0], 132);
  EXPECT_EQ(g.data()[1], 200);
  EXPECT_EQ(g.data()[2], 255);
  EXPECT_EQ(g.data()[3], 7);

  Image rgb16(1, 1, 3, PixelType::kU16);
  rgb16.row_as<uint16_t>(0)[0] = 65535;
  rgb16.row_as<uint16_t>(0)[1] = 0;
  rgb16.row_as<uint16_t>(0)[2] = 1000;
  Image g16 = ToGray(rgb16);
  ASSERT_EQ(g16.type(), PixelType::kU16);
  ASSERT_EQ(g16.bands(), 1);
  EXPECT_EQ(g16.row_as<uint16_t>(0)[0], std::llround(0.299 * 65535 + 0.114 * 1000));

  Image f(1, 1, 5, PixelType::kF32);  // more than 4 bands: the first three
  for (int b = 0; b < 5; ++b) f.row_as<float>(0)[b] = static_cast<float>(b + 1);
  Image gf = ToGray(f);
  ASSERT_EQ(gf.bands(), 1);
  EXPECT_NEAR(gf.row_as<float>(0)[0], 0.299 + 0.587 * 2 + 0.114 * 3, 1e-5);

  Image grey(3, 3, 1, PixelType::kI16);
  EXPECT_TRUE(ToGray(grey) == grey);
}

TEST(TransformTest, GrayOfExtremesStaysInRangeForEveryType) {
  for (PixelType type : kAllTypes) {
    Image img = Noise(50, 20, 3, type, 9);
    Image g = ToGray(img);
    ASSERT_EQ(g.bands(), 1);
    ASSERT_EQ(g.type(), type);
    DispatchPixelType(type, [&](auto zero) {
      using T = decltype(zero);
      for (int y = 0; y < img.height(); ++y) {
        for (int x = 0; x < img.width(); ++x) {
          const T* s = img.row_as<T>(y) + x * 3;
          const double lo = std::min({double(s[0]), double(s[1]), double(s[2])});
          const double hi = std::max({double(s[0]), double(s[1]), double(s[2])});
          const double v = static_cast<double>(g.row_as<T>(y)[x]);
          ASSERT_GE(v, std::floor(lo) - 1e-3 * std::abs(lo)) << PixelTypeName(type);
          ASSERT_LE(v, std::ceil(hi) + 1e-3 * std::abs(hi)) << PixelTypeName(type);
        }
      }
    });
  }
}

TEST(TransformTest, BitonalThresholdsAtTheMiddleOfTheDisplayedRange) {
  auto one = [](PixelType type, double value) {
    Image img(1, 1, 1, type);
    img.Fill(Rect{0, 0, 1, 1}, {value});
    Image b = ToBitonal(img);
    EXPECT_EQ(b.type(), PixelType::kU8);
    EXPECT_EQ(b.bands(), 1);
    return static_cast<int>(b.data()[0]);
  };
  EXPECT_EQ(one(PixelType::kU8, 127), 0);
  EXPECT_EQ(one(PixelType::kU8, 128), 255);
  EXPECT_EQ(one(PixelType::kU16, 32767), 0);
  EXPECT_EQ(one(PixelType::kU16, 32768), 255);
  EXPECT_EQ(one(PixelType::kU32, 2147483647.0), 0);
  EXPECT_EQ(one(PixelType::kU32, 2147483648.0), 255);
  EXPECT_EQ(one(PixelType::kI8, -1), 0);
  EXPECT_EQ(one(PixelType::kI8, 0), 255);
  EXPECT_EQ(one(PixelType::kI16, -1), 0);
  EXPECT_EQ(one(PixelType::kI32, 0), 255);
  EXPECT_EQ(one(PixelType::kF32, 127.9), 0);
  EXPECT_EQ(one(PixelType::kF64, 128), 255);
  EXPECT_EQ(one(PixelType::kF32, std::numeric_limits<float>::quiet_NaN()), 0);

  // RGB: by luma (pure green 255 -> 150: white; pure blue 255 -> 29: black); alpha dropped.
  Image rgba(2, 1, 4, PixelType::kU8);
  const uint8_t px[] = {0, 255, 0, 0, 0, 0, 255, 255};
  std::memcpy(rgba.data(), px, sizeof(px));
  Image b = ToBitonal(rgba);
  ASSERT_EQ(b.bands(), 1);
  EXPECT_EQ(b.data()[0], 255);
  EXPECT_EQ(b.data()[1], 0);
  for (PixelType type : kAllTypes) {
    Image out = ToBitonal(Noise(30, 30, 3, type, 4));
    for (size_t i = 0; i < out.byte_size(); ++i) {
      ASSERT_TRUE(out.data()[i] == 0 || out.data()[i] == 255);
    }
  }
}

}  // namespace
}  // namespace tessera
