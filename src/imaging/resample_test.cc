#include "imaging/resample.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "testing/images.h"
#include "testing/reference.h"

namespace tessera {
namespace {

template <typename T>
void Set(Image& img, int x, int y, int b, T v) {
  img.row_as<T>(y)[x * img.bands() + b] = v;
}
template <typename T>
T Get(const Image& img, int x, int y, int b) {
  return img.row_as<T>(y)[x * img.bands() + b];
}

// The definition, written as plainly as possible: mean of the valid pixels of each 2x2 block,
// integers rounded half up (floor(mean + 1/2), computed exactly), floats in double.
Image NaiveDownsample(const Image& src, int64_t valid_w, int64_t valid_h) {
  Image out((src.width() + 1) / 2, (src.height() + 1) / 2, src.bands(), src.type());
  const int64_t vw = std::clamp<int64_t>(valid_w, 0, src.width());
  const int64_t vh = std::clamp<int64_t>(valid_h, 0, src.height());
  DispatchPixelType(src.type(), [&](auto zero) {
    using T = decltype(zero);
    for (int oy = 0; oy < out.height(); ++oy) {
      for (int ox = 0; ox < out.width(); ++ox) {
        for (int b = 0; b < src.bands(); ++b) {
          int64_t isum = 0;
          double fsum = 0;
          int n = 0;
          for (int dy = 0; dy < 2; ++dy) {
            for (int dx = 0; dx < 2; ++dx) {
              const int x = 2 * ox + dx, y = 2 * oy + dy;
              if (x >= vw || y >= vh) continue;
              isum += static_cast<int64_t>(Get<T>(src, x, y, b));
              fsum += static_cast<double>(Get<T>(src, x, y, b));
              ++n;
            }
          }
          if (n == 0) continue;
          if constexpr (std::is_floating_point_v<T>) {
            Set<T>(out, ox, oy, b, static_cast<T>(fsum / n));
          } else {
            // floor((2 * sum + n) / (2n)), with floor division for negative sums.
            const int64_t num = 2 * isum + n, den = 2 * n;
            int64_t q = num / den;
            if ((num % den != 0) && (num < 0)) --q;
            Set<T>(out, ox, oy, b, static_cast<T>(q));
          }
        }
      }
    }
  });
  return out;
}

void ExpectNear(const Image& got, const Image& want, double tolerance, const std::string& what) {
  ASSERT_EQ(got.width(), want.width()) << what;
  ASSERT_EQ(got.height(), want.height()) << what;
  ASSERT_EQ(got.bands(), want.bands()) << what;
  ASSERT_EQ(got.type(), want.type()) << what;
  EXPECT_LE(CompareImages(got, want, got.width(), got.height(), got.bands()).max_abs, tolerance)
      << what;
}

// ----------------------------------------------------------------------------- Downsample2x

TEST(Downsample2xTest, HandComputedUint8) {
  // 3x3, valid everywhere: blocks of 4, 2 (right column, bottom row) and 1 (corner).
  Image src(3, 3, 1, PixelType::kU8);
  const uint8_t v[3][3] = {{1, 2, 10}, {3, 4, 11}, {100, 201, 255}};
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 3; ++x) Set<uint8_t>(src, x, y, 0, v[y][x]);
  Image out = Downsample2x(src, 3, 3);
  ASSERT_EQ(out.width(), 2);
  ASSERT_EQ(out.height(), 2);
  EXPECT_EQ(Get<uint8_t>(out, 0, 0, 0), 3);    // 10 / 4 = 2.5 -> 3 (half up)
  EXPECT_EQ(Get<uint8_t>(out, 1, 0, 0), 11);   // (10 + 11) / 2 = 10.5 -> 11
  EXPECT_EQ(Get<uint8_t>(out, 0, 1, 0), 151);  // (100 + 201) / 2 = 150.5 -> 151
  EXPECT_EQ(Get<uint8_t>(out, 1, 1, 0), 255);  // a single pixel
  // Only the first two columns and the first row are valid: the rest ignores the padding.
  Image part = Downsample2x(src, 2, 1);
  EXPECT_EQ(Get<uint8_t>(part, 0, 0, 0), 2);  // (1 + 2) / 2 = 1.5 -> 2
  EXPECT_EQ(Get<uint8_t>(part, 1, 0, 0), 0);  // nothing valid
  EXPECT_EQ(Get<uint8_t>(part, 0, 1, 0), 0);
  EXPECT_EQ(Get<uint8_t>(part, 1, 1, 0), 0);
}

TEST(Downsample2xTest, HandComputedUint16Int8AndFloat) {
  Image u16(2, 2, 2, PixelType::kU16);
  const uint16_t a[4] = {65535, 65535, 65535, 65534};  // band 0
  const uint16_t b[4] = {0, 1, 0, 0};                  // band 1
  for (int i = 0; i < 4; ++i) {
    Set<uint16_t>(u16, i % 2, i / 2, 0, a[i]);
    Set<uint16_t>(u16, i % 2, i / 2, 1, b[i]);
  }
  Image o16 = Downsample2x(u16, 2, 2);
  EXPECT_EQ(Get<uint16_t>(o16, 0, 0, 0), 65535);  // 65534.75 -> 65535, no overflow
  EXPECT_EQ(Get<uint16_t>(o16, 0, 0, 1), 0);      // 0.25 -> 0
  Image u16_odd(3, 3, 1, PixelType::kU16);
  for (int i = 0; i < 9; ++i) Set<uint16_t>(u16_odd, i % 3, i / 3, 0, static_cast<uint16_t>(i));
  Image left = Downsample2x(u16_odd, 1, 3);    // only the first column is valid
  EXPECT_EQ(Get<uint16_t>(left, 0, 0, 0), 2);  // (0 + 3) / 2 = 1.5 -> 2
  EXPECT_EQ(Get<uint16_t>(left, 0, 1, 0), 6);  // a single valid pixel
  EXPECT_EQ(Get<uint16_t>(left, 1, 0, 0), 0);
  EXPECT_EQ(Get<uint16_t>(left, 1, 1, 0), 0);

  // Signed: half up means towards +infinity, also for negative means.
  Image i8(4, 1, 1, PixelType::kI8);
  const int8_t s[4] = {-1, -2, -128, -127};
  for (int x = 0; x < 4; ++x) Set<int8_t>(i8, x, 0, 0, s[x]);
  Image o8 = Downsample2x(i8, 4, 1);
  EXPECT_EQ(Get<int8_t>(o8, 0, 0, 0), -1);    // -1.5 -> -1
  EXPECT_EQ(Get<int8_t>(o8, 1, 0, 0), -127);  // -127.5 -> -127
  Image i8b(2, 2, 1, PixelType::kI8);
  Set<int8_t>(i8b, 0, 0, 0, -3);
  Set<int8_t>(i8b, 1, 0, 0, -3);
  Set<int8_t>(i8b, 0, 1, 0, -3);
  Set<int8_t>(i8b, 1, 1, 0, -1);
  EXPECT_EQ(Get<int8_t>(Downsample2x(i8b, 2, 2), 0, 0, 0), -2);  // -2.5 -> -2

  Image f(3, 2, 1, PixelType::kF32);
  const float fv[2][3] = {{0.5f, 1.0f, -7.0f}, {2.0f, 4.0f, 8.0f}};
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) Set<float>(f, x, y, 0, fv[y][x]);
  Image of = Downsample2x(f, 3, 2);
  EXPECT_FLOAT_EQ(Get<float>(of, 0, 0, 0), 1.875f);
  EXPECT_FLOAT_EQ(Get<float>(of, 1, 0, 0), 0.5f);
  Image of1 = Downsample2x(f, 3, 1);  // bottom row padding ignored
  EXPECT_FLOAT_EQ(Get<float>(of1, 0, 0, 0), 0.75f);
  EXPECT_FLOAT_EQ(Get<float>(of1, 1, 0, 0), -7.0f);
}

TEST(Downsample2xTest, MatchesTheDefinitionForEveryTypeBandCountAndValidRegion) {
  struct Region {
    int64_t w, h;
  };
  // 67 x 35: 33 full pairs per row (two 16-pixel chunks and a tail) plus an odd column.
  const Region regions[] = {{67, 35}, {66, 34}, {40, 35}, {67, 1},     {1, 35},
                            {33, 17}, {0, 10},  {10, 0},  {1000, 1000}};
  for (PixelType type : kAllTypes) {
    for (int bands : {1, 2, 3, 4, 5}) {
      Image src = Noise(67, 35, bands, type, bands + 17 * static_cast<int>(type));
      for (const Region& r : regions) {
        const std::string what = std::string(PixelTypeName(type)) + " x" + std::to_string(bands) +
                                 " valid " + std::to_string(r.w) + "x" + std::to_string(r.h);
        Image got = Downsample2x(src, r.w, r.h);
        Image want = NaiveDownsample(src, r.w, r.h);
        const bool floating = type == PixelType::kF32 || type == PixelType::kF64;
        if (floating) {
          ExpectNear(got, want, 1e-3, what);  // |values| < 16000; float32 rounding only
        } else {
          ASSERT_TRUE(got == want) << what;
        }
      }
    }
  }
}

// libvips shrinks in two passes (vertical, then horizontal), rounding after each, and its
// rounding truncates towards zero for negative sums; so it is within 1 of the exact mean only
// for non-negative samples. Negative means are covered by the definition test above.
Image ClearSignBits(Image img) {
  DispatchPixelType(img.type(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_signed_v<T> && !std::is_floating_point_v<T>) {
      for (int y = 0; y < img.height(); ++y) {
        T* row = img.row_as<T>(y);
        for (int i = 0; i < img.width() * img.bands(); ++i) {
          row[i] = static_cast<T>(row[i] & std::numeric_limits<T>::max());
        }
      }
    }
  });
  return img;
}

TEST(Downsample2xTest, MatchesVipsShrinkOnEvenSizes) {
  for (PixelType type : kAllTypes) {
    for (int bands : {1, 3, 4}) {
      Image src = ClearSignBits(Noise(128, 96, bands, type, 5 + bands));
      auto ref = VipsShrink(src, 2, 2);
      ASSERT_TRUE(ref.ok()) << ref.status().ToString();
      Image got = Downsample2x(src, 128, 96);
      const bool floating = type == PixelType::kF32 || type == PixelType::kF64;
      ExpectNear(got, *ref, floating ? 1e-3 : 1.0,
                 std::string(PixelTypeName(type)) + " x" + std::to_string(bands));
    }
  }
}

// ----------------------------------------------------------------------------------- Resize

TEST(ResizeTest, LanczosMatchesVipsResize) {
  for (PixelType type : {PixelType::kU8, PixelType::kU16, PixelType::kI16, PixelType::kF32}) {
    Image src = Noise(203, 151, 3, type, 3);
    for (auto [w, h] : {std::pair{73, 41}, std::pair{101, 75}, std::pair{400, 300}}) {
      auto got = Resize(src, w, h, ResampleFilter::kLanczos3);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      auto ref = VipsResizeTo(src, w, h);
      ASSERT_TRUE(ref.ok()) << ref.status().ToString();
      const bool floating = type == PixelType::kF32;
      ExpectNear(
          *got, *ref, floating ? 1e-3 : 1.0,
          std::string(PixelTypeName(type)) + " " + std::to_string(w) + "x" + std::to_string(h));
    }
  }
}

TEST(ResizeTest, ExactSizeAndTypeForEveryFilter) {
  const ResampleFilter kFilters[] = {ResampleFilter::kNearest, ResampleFilter::kLinear,
                                     ResampleFilter::kCubic, ResampleFilter::kLanczos3};
  for (PixelType type : kAllTypes) {
    // A constant image stays constant under every kernel (weights sum to one).
    Image flat(37, 23, 2, type);
    flat.Fill(Rect{0, 0, 37, 23}, {100.0, 7.0});
    for (ResampleFilter f : kFilters) {
      for (auto [w, h] : {std::pair{1, 1}, std::pair{12, 7}, std::pair{37, 50}, std::pair{90, 5}}) {
        auto out = Resize(flat, w, h, f);
        ASSERT_TRUE(out.ok()) << out.status().ToString();
        ASSERT_EQ(out->width(), w);
        ASSERT_EQ(out->height(), h);
        ASSERT_EQ(out->bands(), 2);
        ASSERT_EQ(out->type(), type);
        Image want(w, h, 2, type);
        want.Fill(Rect{0, 0, w, h}, {100.0, 7.0});
        ExpectNear(*out, want, 1e-3,
                   std::string(PixelTypeName(type)) + " filter " +
                       std::to_string(static_cast<int>(f)) + " " + std::to_string(w) + "x" +
                       std::to_string(h));
      }
    }
  }
  // Awkward ratios still give exactly the requested size.
  Image src = Noise(1000, 7, 1, PixelType::kU8);
  auto thin = Resize(src, 333, 3, ResampleFilter::kLanczos3);
  ASSERT_TRUE(thin.ok());
  EXPECT_EQ(thin->width(), 333);
  EXPECT_EQ(thin->height(), 3);
}

TEST(ResizeTest, NearestEnlargementReplicatesPixels) {
  Image src = Noise(5, 4, 3, PixelType::kU8, 9);
  auto out = Resize(src, 15, 8, ResampleFilter::kNearest);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 15; ++x)
      for (int b = 0; b < 3; ++b)
        ASSERT_EQ(Get<uint8_t>(*out, x, y, b), Get<uint8_t>(src, x / 3, y / 2, b)) << x << "," << y;
}

TEST(ResizeTest, RejectsBadArgumentsAndKeepsSameSize) {
  Image src = Noise(8, 8, 1, PixelType::kU8);
  EXPECT_EQ(Resize(src, 0, 4, ResampleFilter::kLinear).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Resize(Image(), 4, 4, ResampleFilter::kLinear).status().code(),
            StatusCode::kInvalidArgument);
  auto same = Resize(src, 8, 8, ResampleFilter::kCubic);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(*same == src);
}

TEST(ResizeTest, ConcurrentCallsAgree) {
  Image src = Noise(300, 200, 4, PixelType::kU8, 4);
  auto want = Resize(src, 97, 61, ResampleFilter::kLanczos3);
  ASSERT_TRUE(want.ok());
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto got = Resize(src, 97, 61, ResampleFilter::kLanczos3);
        if (!got.ok() || !(*got == *want)) ++mismatches[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

}  // namespace
}  // namespace tessera
