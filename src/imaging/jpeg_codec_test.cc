#include <gtest/gtest.h>

#include "imaging/codec.h"
#include "testing/reference.h"
#include "testing/testdata.h"

namespace tessera {
namespace {

Image Gradient(int w, int h, int bands) {
  Image img(w, h, bands, PixelType::kU8);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int b = 0; b < bands; ++b) img.row(y)[x * bands + b] = static_cast<uint8_t>(x + y * b);
  return img;
}

TEST(JpegCodecTest, RoundTripsWithinJpegError) {
  Image img = Gradient(64, 48, 3);
  auto bytes = EncodeJpeg(img, 95, 0);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto ref = VipsDecode(std::string(bytes->begin(), bytes->end()));
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  Diff d = CompareImages(img, *ref, 64, 48, 3);
  EXPECT_LT(d.mean_abs, 2.0);
  auto back = DecodeJpeg(bytes->data(), bytes->size());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->bands(), 3);
  EXPECT_LT(CompareImages(*back, *ref, 64, 48, 3).max_abs, 2.0);
}

TEST(JpegCodecTest, GreyAndAlphaInputs) {
  auto grey = EncodeJpeg(Gradient(16, 16, 1), 90, 2);
  ASSERT_TRUE(grey.ok());
  EXPECT_EQ(DecodeJpeg(grey->data(), grey->size())->bands(), 1);
  auto rgba = EncodeJpeg(Gradient(16, 16, 4), 90, 1);
  ASSERT_TRUE(rgba.ok());
  EXPECT_EQ(DecodeJpeg(rgba->data(), rgba->size())->bands(), 3);
}

TEST(JpegCodecTest, RejectsBadOptionsAndData) {
  EXPECT_EQ(EncodeJpeg(Gradient(4, 4, 3), 0, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeJpeg(Gradient(4, 4, 3), 90, 3).status().code(), StatusCode::kInvalidArgument);
  const uint8_t junk[] = {0xFF, 0xD8, 0xFF, 0x00, 0x12};
  EXPECT_EQ(DecodeJpeg(junk, sizeof(junk)).status().code(), StatusCode::kDataLoss);
}

TEST(JpegCodecTest, ACorruptJpegDoesNotPoisonTheThreadsDecoder) {
  Image img = Gradient(32, 32, 3);
  auto good = EncodeJpeg(img, 90, 0);
  ASSERT_TRUE(good.ok());
  Bytes bad = *good;
  // Turn the first DQT's table id into an invalid one (a fatal header error).
  for (size_t i = 0; i + 4 < bad.size(); ++i) {
    if (bad[i] == 0xFF && bad[i + 1] == 0xDB) {
      bad[i + 4] = 0x0F;
      break;
    }
  }
  EXPECT_EQ(DecodeJpeg(bad.data(), bad.size()).status().code(), StatusCode::kDataLoss);
  auto again = DecodeJpeg(good->data(), good->size());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->width(), 32);
}

TEST(JpegCodecTest, DecodesRealJpegLikeVips) {
  TS_REQUIRE_TESTDATA(path, "sample.jpg");
  auto ref = VipsLoad(path);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  std::string bytes;
  {
    FILE* f = fopen(path.c_str(), "rb");
    ASSERT_NE(f, nullptr);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) bytes.append(buf, n);
    fclose(f);
  }
  auto img = DecodeJpeg(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  ASSERT_TRUE(img.ok());
  ASSERT_EQ(img->width(), ref->width());
  EXPECT_LE(CompareImages(*img, *ref, img->width(), img->height(), 3).max_abs, 2.0);
}

TEST(CodecTest, DisplayConversionMatchesLargeImage) {
  Image u16(2, 1, 1, PixelType::kU16);
  u16.row_as<uint16_t>(0)[0] = 65535;
  u16.row_as<uint16_t>(0)[1] = 511;
  Image out = ToDisplayUint8(u16);
  EXPECT_EQ(out.row(0)[0], 255);
  EXPECT_EQ(out.row(0)[1], 1);
  Image i8(1, 1, 1, PixelType::kI8);
  i8.row_as<int8_t>(0)[0] = -128;
  EXPECT_EQ(ToDisplayUint8(i8).row(0)[0], 0);
  Image f(1, 1, 1, PixelType::kF32);
  f.row_as<float>(0)[0] = 300.5f;
  EXPECT_EQ(ToDisplayUint8(f).row(0)[0], 255);
}

TEST(CodecTest, EncodingNamesAndKeys) {
  EXPECT_EQ(*ParseEncoding("jfif"), Encoding::kJpeg);
  EXPECT_EQ(*ParseEncoding("Png"), Encoding::kPng);
  EXPECT_FALSE(ParseEncoding("gif").ok());
  EncodeOptions a, b;
  b.jpeg_quality = 80;
  EXPECT_NE(a.CacheKey(), b.CacheKey());
  a.encoding = b.encoding = Encoding::kPng;
  EXPECT_EQ(a.CacheKey(), b.CacheKey());  // JPEG options do not split PNG entries
  EXPECT_EQ(*ParseTiffCompression("tiff_adobe_deflate"), TiffCompression::kDeflate);
}

}  // namespace
}  // namespace tessera
