// PNG, WebP and TIFF codecs, checked against libvips as an independent decoder / encoder.
#include <gtest/gtest.h>
#include <tiffio.h>
#include <vips/vips.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "imaging/codec.h"
#include "testing/reference.h"
#include "testing/temp_dir.h"
#include "testing/testdata.h"

namespace tessera {
namespace {

constexpr PixelType kAllTypes[] = {PixelType::kU8,  PixelType::kI8,  PixelType::kU16,
                                   PixelType::kI16, PixelType::kU32, PixelType::kI32,
                                   PixelType::kF32, PixelType::kF64};

// Full-range pseudo-random samples (negative values for signed types, fractions for floats).
Image Noise(int w, int h, int bands, PixelType type, uint64_t seed = 1) {
  Image img(w, h, bands, type);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  DispatchPixelType(type, [&](auto zero) {
    using T = decltype(zero);
    for (int y = 0; y < h; ++y) {
      T* row = img.row_as<T>(y);
      for (int i = 0; i < w * bands; ++i) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        if constexpr (std::is_floating_point_v<T>) {
          row[i] = static_cast<T>(static_cast<double>(static_cast<int64_t>(s % 2000001) - 1000000) /
                                  64.0);
        } else {
          T v;
          std::memcpy(&v, &s, sizeof(T));
          row[i] = v;
        }
      }
    }
  });
  return img;
}

// Smooth 8-bit content for the lossy codecs.
Image Smooth(int w, int h, int bands) {
  Image img(w, h, bands, PixelType::kU8);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int b = 0; b < bands; ++b) {
        const double v = 128 + 100 * std::sin(0.05 * x + 0.07 * y + b);
        img.row(y)[x * bands + b] = static_cast<uint8_t>(b == 3 ? 64 + (x * 2) % 192 : v);
      }
    }
  }
  return img;
}

std::string AsString(const Bytes& b) { return std::string(b.begin(), b.end()); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

StatusOr<Image> DecodeString(const std::string& s) {
  return Decode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

VipsBandFormat FormatOf(PixelType t) {
  switch (t) {
    case PixelType::kU8:
      return VIPS_FORMAT_UCHAR;
    case PixelType::kI8:
      return VIPS_FORMAT_CHAR;
    case PixelType::kU16:
      return VIPS_FORMAT_USHORT;
    case PixelType::kI16:
      return VIPS_FORMAT_SHORT;
    case PixelType::kU32:
      return VIPS_FORMAT_UINT;
    case PixelType::kI32:
      return VIPS_FORMAT_INT;
    case PixelType::kF32:
      return VIPS_FORMAT_FLOAT;
    case PixelType::kF64:
      return VIPS_FORMAT_DOUBLE;
  }
  return VIPS_FORMAT_UCHAR;
}

// Encodes with libvips' own savers: `suffix` is a vips save string such as ".png[palette]".
std::string VipsEncode(const Image& img, const std::string& suffix) {
  if (VIPS_INIT("codec_test") != 0) return "";
  VipsImage* v = vips_image_new_from_memory_copy(img.data(), img.byte_size(), img.width(),
                                                 img.height(), img.bands(), FormatOf(img.type()));
  if (v == nullptr) return "";
  if (img.type() == PixelType::kU16) {  // or vips saves 8 bits
    v->Type = img.bands() >= 3 ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_GREY16;
  }
  void* buf = nullptr;
  size_t len = 0;
  const int rc = vips_image_write_to_buffer(v, suffix.c_str(), &buf, &len, nullptr);
  g_object_unref(v);
  if (rc != 0) {
    ADD_FAILURE() << "vips save " << suffix << ": " << vips_error_buffer();
    vips_error_clear();
    return "";
  }
  std::string out(static_cast<const char*>(buf), len);
  g_free(buf);
  return out;
}

void ExpectSameImage(const Image& got, const Image& want, const std::string& what) {
  ASSERT_EQ(got.width(), want.width()) << what;
  ASSERT_EQ(got.height(), want.height()) << what;
  ASSERT_EQ(got.bands(), want.bands()) << what;
  ASSERT_EQ(got.type(), want.type()) << what;
  EXPECT_TRUE(got == want)
      << what << ": max diff "
      << CompareImages(got, want, got.width(), got.height(), got.bands()).max_abs;
}

// Every proper prefix (sampled) of a valid file must fail cleanly, never crash.
template <typename DecodeFn>
void ExpectTruncationsFail(const Bytes& bytes, DecodeFn decode, StatusCode code) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{8}, size_t{16}, size_t{33}, bytes.size() / 3,
                   bytes.size() / 2, bytes.size() - 13, bytes.size() - 1}) {
    if (n >= bytes.size()) continue;
    auto r = decode(bytes.data(), n);
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    if (!r.ok() && n > 16) {
      EXPECT_EQ(r.status().code(), code) << r.status().ToString();
    }
  }
}

// ------------------------------------------------------------------------------------- PNG

TEST(PngCodecTest, RoundTripsEightBitExactlyForEveryBandCount) {
  for (int bands = 1; bands <= 4; ++bands) {
    Image img = Noise(61, 37, bands, PixelType::kU8, bands);
    for (int level : {0, 2, 9}) {
      auto bytes = EncodePng(img, level);
      ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
      auto ref = VipsDecode(AsString(*bytes));
      ASSERT_TRUE(ref.ok()) << ref.status().ToString();
      ExpectSameImage(*ref, img, "vips decode, bands " + std::to_string(bands));
      auto back = DecodePng(bytes->data(), bytes->size());
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      ExpectSameImage(*back, img, "our decode, bands " + std::to_string(bands));
    }
  }
}

TEST(PngCodecTest, ConvertsOtherTypesLikeLargeImage) {
  for (PixelType type : kAllTypes) {
    for (int bands : {1, 3, 5}) {
      Image img = Noise(20, 9, bands, type, 7);
      auto bytes = EncodePng(img, 2);
      ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
      auto ref = VipsDecode(AsString(*bytes));
      ASSERT_TRUE(ref.ok());
      // 8 bits after ToDisplayUint8; more than four bands keep the first three.
      ExpectSameImage(*ref, ToDisplayUint8(img), std::string(PixelTypeName(type)));
    }
  }
}

TEST(PngCodecTest, DecodesSixteenBitRgbaTestFile) {
  TS_REQUIRE_TESTDATA(path, "test_RGBA_16.png");
  std::string bytes = ReadFile(path);
  auto img = DecodeString(bytes);
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  EXPECT_EQ(img->type(), PixelType::kU16);
  EXPECT_EQ(img->bands(), 4);
  auto ref = VipsLoad(path);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ExpectSameImage(*img, *ref, "test_RGBA_16.png");
}

TEST(PngCodecTest, DecodesSixteenBitGreyAndRgbFromVips) {
  for (int bands : {1, 3}) {
    Image img = Noise(33, 17, bands, PixelType::kU16, 3);
    std::string png = VipsEncode(img, ".png");
    auto back = DecodeString(png);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectSameImage(*back, img, "16-bit PNG from vips");
  }
}

TEST(PngCodecTest, ExpandsPaletteLowBitDepthTransparencyAndInterlace) {
  // vips quantizes palettes: compare with vips' own decode of the same bytes.
  Image rgb = Smooth(40, 30, 3);
  Image rgba = Smooth(40, 30, 4);
  Image grey = Noise(40, 30, 1, PixelType::kU8, 5);
  struct Case {
    const Image* img;
    const char* suffix;
    int bands;
  };
  const Case cases[] = {{&rgb, ".png[palette]", 3},     {&rgba, ".png[palette]", 4},
                        {&grey, ".png[bitdepth=1]", 1}, {&grey, ".png[bitdepth=2]", 1},
                        {&grey, ".png[bitdepth=4]", 1}, {&rgb, ".png[interlace]", 3},
                        {&rgba, ".png[interlace]", 4}};
  for (const Case& c : cases) {
    std::string png = VipsEncode(*c.img, c.suffix);
    ASSERT_FALSE(png.empty());
    auto ours = DecodeString(png);
    ASSERT_TRUE(ours.ok()) << c.suffix << ": " << ours.status().ToString();
    EXPECT_EQ(ours->bands(), c.bands) << c.suffix;
    EXPECT_EQ(ours->type(), PixelType::kU8) << c.suffix;
    auto ref = VipsDecode(png);
    ASSERT_TRUE(ref.ok());
    ExpectSameImage(*ours, *ref, c.suffix);
  }
}

TEST(PngCodecTest, CorruptAndTruncatedDataIsDataLoss) {
  Image img = Smooth(64, 64, 3);
  auto bytes = EncodePng(img, 2);
  ASSERT_TRUE(bytes.ok());
  ExpectTruncationsFail(*bytes, DecodePng, StatusCode::kDataLoss);
  // A flipped byte inside IDAT breaks its CRC.
  Bytes corrupt = *bytes;
  corrupt[corrupt.size() / 2] ^= 0x5A;
  EXPECT_EQ(DecodePng(corrupt.data(), corrupt.size()).status().code(), StatusCode::kDataLoss);
  // A valid signature followed by junk.
  Bytes junk(bytes->begin(), bytes->begin() + 8);
  junk.resize(200, 0xEE);
  EXPECT_EQ(DecodePng(junk.data(), junk.size()).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(EncodePng(img, 10).status().code(), StatusCode::kInvalidArgument);
}

// ------------------------------------------------------------------------------------ WebP

TEST(WebpCodecTest, LossyRoundTripDecodedByVips) {
  for (int bands : {3, 4}) {
    Image img = Smooth(96, 64, bands);
    auto bytes = EncodeWebp(img, 90);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto ref = VipsDecode(AsString(*bytes));
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    ASSERT_EQ(ref->bands(), bands);
    Diff d = CompareImages(img, *ref, 96, 64, 3);
    EXPECT_LT(d.mean_abs, 3.0) << "bands " << bands;
    if (bands == 4) {  // alpha is stored losslessly
      Image alpha_in(96, 64, 1, PixelType::kU8), alpha_ref(96, 64, 1, PixelType::kU8);
      for (int y = 0; y < 64; ++y) {
        for (int x = 0; x < 96; ++x) {
          alpha_in.row(y)[x] = img.row(y)[4 * x + 3];
          alpha_ref.row(y)[x] = ref->row(y)[4 * x + 3];
        }
      }
      EXPECT_TRUE(alpha_in == alpha_ref);
    }
    auto ours = DecodeWebp(bytes->data(), bytes->size());
    ASSERT_TRUE(ours.ok()) << ours.status().ToString();
    ExpectSameImage(*ours, *ref, "our WebP decode vs vips");
  }
}

TEST(WebpCodecTest, GreyBecomesRgbAndQualityIsChecked) {
  Image grey = Smooth(32, 32, 1);
  auto bytes = EncodeWebp(grey, 100);
  ASSERT_TRUE(bytes.ok());
  auto img = Decode(*bytes);
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img->bands(), 3);
  EXPECT_LT(CompareImages(grey, KeepBands(*img, 1), 32, 32, 1).mean_abs, 2.0);
  auto ga = EncodeWebp(Smooth(32, 32, 2), 80);
  ASSERT_TRUE(ga.ok());
  EXPECT_EQ(DecodeWebp(ga->data(), ga->size())->bands(), 4);
  // uint16 goes through ToDisplayUint8.
  Image smooth = Smooth(32, 32, 3);
  Image u16(32, 32, 3, PixelType::kU16);
  for (int y = 0; y < 32; ++y) {
    for (int i = 0; i < 96; ++i) u16.row_as<uint16_t>(y)[i] = smooth.row(y)[i] * 257;
  }
  auto wide = EncodeWebp(u16, 100);
  ASSERT_TRUE(wide.ok());
  EXPECT_LT(CompareImages(smooth, *DecodeWebp(wide->data(), wide->size()), 32, 32, 3).mean_abs,
            2.0);
  EXPECT_EQ(EncodeWebp(grey, 101).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeWebp(Image(20000, 1, 3, PixelType::kU8), 80).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(WebpCodecTest, DecodesLosslessFileFromVipsExactly) {
  for (int bands : {3, 4}) {
    Image img = Noise(50, 31, bands, PixelType::kU8, 11);
    // libwebp may rewrite the colour of fully transparent pixels: keep alpha above 0.
    if (bands == 4) {
      for (int y = 0; y < 31; ++y) {
        for (int x = 0; x < 50; ++x) img.row(y)[4 * x + 3] |= 1;
      }
    }
    std::string webp = VipsEncode(img, ".webp[lossless]");
    ASSERT_FALSE(webp.empty());
    auto ours = DecodeString(webp);
    ASSERT_TRUE(ours.ok()) << ours.status().ToString();
    ExpectSameImage(*ours, img, "lossless WebP");
  }
}

TEST(WebpCodecTest, CorruptAndTruncatedDataIsDataLoss) {
  auto bytes = EncodeWebp(Smooth(64, 64, 3), 80);
  ASSERT_TRUE(bytes.ok());
  ExpectTruncationsFail(*bytes, DecodeWebp, StatusCode::kDataLoss);
  Bytes junk(bytes->begin(), bytes->begin() + 20);
  junk.resize(300, 0x11);
  EXPECT_EQ(DecodeWebp(junk.data(), junk.size()).status().code(), StatusCode::kDataLoss);
}

// ------------------------------------------------------------------------------------ TIFF

// A plain libtiff reader (TIFFReadScanline, stripped files) for what vips cannot read.
StatusOr<Image> LibtiffScanlines(const Bytes& bytes, PixelType type) {
  TempDir dir;
  const std::string path = dir.path() + "/scan.tif";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  if (tif == nullptr) return DataLossError("TIFFOpen failed");
  uint32_t w = 0, h = 0;
  uint16_t spp = 0;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
  TIFFGetField(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  Image img(static_cast<int>(w), static_cast<int>(h), spp, type);
  for (uint32_t y = 0; y < h; ++y) {
    if (TIFFReadScanline(tif, img.row(static_cast<int>(y)), y, 0) != 1) {
      TIFFClose(tif);
      return DataLossError("TIFFReadScanline failed");
    }
  }
  TIFFClose(tif);
  return img;
}

TEST(TiffCodecTest, LosslessRoundTripsEveryTypeBandCountAndCompression) {
  const TiffCompression kLossless[] = {TiffCompression::kNone, TiffCompression::kLzw,
                                       TiffCompression::kDeflate, TiffCompression::kZstd,
                                       TiffCompression::kPackbits};
  for (PixelType type : kAllTypes) {
    for (int bands = 1; bands <= 5; ++bands) {
      // Rows of up to 5 * 8 * 130 bytes: several strips per image.
      Image img = Noise(130, 70, bands, type, bands * 10 + static_cast<int>(type));
      for (TiffCompression c : kLossless) {
        const std::string what = std::string(PixelTypeName(type)) + " x" + std::to_string(bands) +
                                 " " + std::string(TiffCompressionName(c));
        auto bytes = EncodeTiff(img, c, 90);
        ASSERT_TRUE(bytes.ok()) << what << ": " << bytes.status().ToString();
        // libvips 8.14 reads at most 32 bits per sample: float64 is read back with libtiff's
        // scanline interface instead.
        auto ref =
            type == PixelType::kF64 ? LibtiffScanlines(*bytes, type) : VipsDecode(AsString(*bytes));
        ASSERT_TRUE(ref.ok()) << what << ": " << ref.status().ToString();
        ExpectSameImage(*ref, img, "reference decode of " + what);
        auto back = DecodeTiff(bytes->data(), bytes->size());
        ASSERT_TRUE(back.ok()) << what << ": " << back.status().ToString();
        ExpectSameImage(*back, img, "our decode of " + what);
      }
    }
  }
}

TEST(TiffCodecTest, JpegCompressionForEightBitOnly) {
  for (int bands = 1; bands <= 4; ++bands) {
    Image img = Smooth(100, 70, bands);
    auto bytes = EncodeTiff(img, TiffCompression::kJpeg, 90);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto ref = VipsDecode(AsString(*bytes));
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    ASSERT_EQ(ref->bands(), bands);
    EXPECT_LT(CompareImages(img, *ref, 100, 70, bands).mean_abs, 2.0) << bands;
    auto ours = DecodeTiff(bytes->data(), bytes->size());
    ASSERT_TRUE(ours.ok()) << ours.status().ToString();
    EXPECT_LE(CompareImages(*ours, *ref, 100, 70, bands).max_abs, 1.0) << bands;
  }
  EXPECT_EQ(EncodeTiff(Noise(8, 8, 1, PixelType::kU16), TiffCompression::kJpeg, 90).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeTiff(Noise(8, 8, 3, PixelType::kF32), TiffCompression::kJpeg, 90).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(TiffCodecTest, DecodesVipsTilesMinIsWhiteAndBilevel) {
  Image rgb = Noise(70, 45, 3, PixelType::kU8, 2);
  Image u16 = Noise(70, 45, 2, PixelType::kU16, 3);
  Image grey = Noise(70, 45, 1, PixelType::kU8, 4);
  struct Case {
    const Image* img;
    const char* suffix;
  };
  const Case cases[] = {
      {&rgb, ".tif[tile,tile-width=32,tile-height=16,compression=lzw,predictor=horizontal]"},
      {&u16, ".tif[tile,tile-width=16,tile-height=16,compression=deflate]"},
      {&rgb, ".tif[compression=jpeg,Q=85]"},
      {&rgb, ".tif[tile,tile-width=32,tile-height=32,compression=jpeg,Q=85]"},
      {&grey, ".tif[miniswhite]"},
      {&grey, ".tif[bitdepth=1]"},
      {&grey, ".tif[bitdepth=4,compression=packbits]"},
      {&rgb, ".tif[bigtiff,compression=zstd]"},
  };
  for (const Case& c : cases) {
    std::string tif = VipsEncode(*c.img, c.suffix);
    ASSERT_FALSE(tif.empty());
    auto ours = DecodeString(tif);
    ASSERT_TRUE(ours.ok()) << c.suffix << ": " << ours.status().ToString();
    auto ref = VipsDecode(tif);
    ASSERT_TRUE(ref.ok());
    ASSERT_EQ(ours->bands(), ref->bands()) << c.suffix;
    const bool jpeg = std::strstr(c.suffix, "jpeg") != nullptr;
    EXPECT_LE(CompareImages(*ours, *ref, ref->width(), ref->height(), ref->bands()).max_abs,
              jpeg ? 1.0 : 0.0)
        << c.suffix;
  }
  // Bilevel data expands to 0 / 255 grey.
  std::string bilevel = VipsEncode(grey, ".tif[bitdepth=1]");
  auto img = DecodeString(bilevel);
  ASSERT_TRUE(img.ok());
  for (int x = 0; x < img->width(); ++x) {
    EXPECT_TRUE(img->row(0)[x] == 0 || img->row(0)[x] == 255);
  }
}

// Files written with libtiff directly: planar (separate) samples and a palette.
TEST(TiffCodecTest, DecodesPlanarAndPaletteFilesWrittenByLibtiff) {
  TempDir dir;
  Image planar_src = Noise(40, 25, 3, PixelType::kU16, 9);
  const std::string planar_path = dir.path() + "/planar.tif";
  {
    TIFF* tif = TIFFOpen(planar_path.c_str(), "w");
    ASSERT_NE(tif, nullptr);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 40);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 25);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 16);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_SEPARATE);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 8);
    std::vector<uint16_t> line(40);
    for (int s = 0; s < 3; ++s) {
      for (int y = 0; y < 25; ++y) {
        for (int x = 0; x < 40; ++x) line[x] = planar_src.row_as<uint16_t>(y)[3 * x + s];
        ASSERT_EQ(TIFFWriteScanline(tif, line.data(), y, static_cast<uint16_t>(s)), 1);
      }
    }
    TIFFClose(tif);
  }
  auto planar = DecodeString(ReadFile(planar_path));
  ASSERT_TRUE(planar.ok()) << planar.status().ToString();
  ExpectSameImage(*planar, planar_src, "planar TIFF");
  auto planar_ref = VipsLoad(planar_path);
  ASSERT_TRUE(planar_ref.ok());
  ExpectSameImage(*planar, *planar_ref, "planar TIFF vs vips");

  const std::string palette_path = dir.path() + "/palette.tif";
  {
    TIFF* tif = TIFFOpen(palette_path.c_str(), "w");
    ASSERT_NE(tif, nullptr);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 16);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 4);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_PALETTE);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    std::vector<uint16_t> r(256), g(256), b(256);
    for (int i = 0; i < 256; ++i) {
      r[i] = static_cast<uint16_t>(i * 257);
      g[i] = static_cast<uint16_t>((255 - i) * 257);
      b[i] = static_cast<uint16_t>((i * 7 % 256) * 257);
    }
    TIFFSetField(tif, TIFFTAG_COLORMAP, r.data(), g.data(), b.data());
    uint8_t line[16];
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 16; ++x) line[x] = static_cast<uint8_t>(x * 16 + y);
      ASSERT_EQ(TIFFWriteScanline(tif, line, y, 0), 1);
    }
    TIFFClose(tif);
  }
  auto palette = DecodeString(ReadFile(palette_path));
  ASSERT_TRUE(palette.ok()) << palette.status().ToString();
  ASSERT_EQ(palette->bands(), 3);
  EXPECT_EQ(palette->row(2)[3 * 5 + 0], 5 * 16 + 2);
  EXPECT_EQ(palette->row(2)[3 * 5 + 1], 255 - (5 * 16 + 2));
  auto palette_ref = VipsLoad(palette_path);
  ASSERT_TRUE(palette_ref.ok());
  EXPECT_EQ(CompareImages(*palette, *palette_ref, 16, 4, 3).max_abs, 0.0);
}

TEST(TiffCodecTest, DecodesRealFilesLikeVips) {
  // Both go through libtiff + libjpeg (JPEGCOLORMODE_RGB for YCbCr): identical pixels.
  const char* const kFiles[] = {
      "RGBA.uint16.tif",                         // Deflate, 1-row strips, uint16 RGBA
      "predictor-3-gray-f32.tif",                // LZW + floating-point predictor
      "multi-channel-z-series.ome.tif",          // big-endian int8, first IFD
      "boxes.tiff",                              // tiled Deflate
      "tiff_tiled_ycbcr_jpeg_2x2_sampling.tif",  // YCbCr JPEG tiles, 2x2 chroma, edge tiles
      "test_orient6.tif",                        // grey JPEG tiles; stored orientation
      "cogeo.tif",                               // YCbCr JPEG tiles, 1024x1024
  };
  int found = 0;
  for (const char* name : kFiles) {
    const std::string path = TestDataFile(name);
    if (path.empty()) continue;
    ++found;
    auto ours = DecodeString(ReadFile(path));
    ASSERT_TRUE(ours.ok()) << name << ": " << ours.status().ToString();
    auto ref = VipsLoad(path, 0);
    ASSERT_TRUE(ref.ok()) << name << ": " << ref.status().ToString();
    ASSERT_EQ(ours->width(), ref->width()) << name;
    ASSERT_EQ(ours->height(), ref->height()) << name;
    ASSERT_EQ(ours->bands(), ref->bands()) << name;
    ASSERT_EQ(ours->type(), ref->type()) << name;
    EXPECT_EQ(CompareImages(*ours, *ref, ref->width(), ref->height(), ref->bands()).max_abs, 0)
        << name;
  }
  if (found == 0) GTEST_SKIP() << "no TIFF test images in " << TestDataDir();
}

TEST(TiffCodecTest, UnknownCompressionIsUnsupported) {
  TS_REQUIRE_TESTDATA(path, "unopenable.tiff");
  auto img = DecodeString(ReadFile(path));
  ASSERT_FALSE(img.ok());
  EXPECT_EQ(img.status().code(), StatusCode::kUnsupported) << img.status().ToString();
}

TEST(TiffCodecTest, CorruptAndTruncatedDataIsDataLoss) {
  Image img = Smooth(200, 120, 3);
  for (TiffCompression c : {TiffCompression::kNone, TiffCompression::kLzw,
                            TiffCompression::kDeflate, TiffCompression::kJpeg}) {
    auto bytes = EncodeTiff(img, c, 80);
    ASSERT_TRUE(bytes.ok());
    // The IFD is written last: every prefix loses it or part of the strips.
    ExpectTruncationsFail(*bytes, DecodeTiff, StatusCode::kDataLoss);
    if (c == TiffCompression::kNone) continue;
    // Garbage in the middle of the compressed strips.
    Bytes corrupt = *bytes;
    for (size_t i = 16; i < corrupt.size() / 2; i += 7) corrupt[i] = static_cast<uint8_t>(i * 31);
    auto r = DecodeTiff(corrupt.data(), corrupt.size());
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
    }
  }
  const uint8_t header_only[] = {'I', 'I', 42, 0, 8, 0, 0, 0};
  EXPECT_EQ(DecodeTiff(header_only, sizeof(header_only)).status().code(), StatusCode::kDataLoss);
}

// ---------------------------------------------------------------------- mutated inputs

// Random byte changes and truncations of valid files (a fixed seed, so runs are repeatable):
// every decoder either succeeds or fails with a clean status; none crashes (run it under ASan).
TEST(CodecFuzzTest, MutatedFilesFailCleanly) {
  Image rgb = Smooth(48, 40, 3);
  Image u16 = Noise(24, 20, 2, PixelType::kU16, 1);
  std::vector<Bytes> seeds;
  seeds.push_back(*EncodePng(rgb, 2));
  seeds.push_back(ToBytes(VipsEncode(u16, ".png[interlace]")));
  seeds.push_back(ToBytes(VipsEncode(rgb, ".png[palette]")));
  seeds.push_back(*EncodeWebp(rgb, 80));
  seeds.push_back(ToBytes(VipsEncode(Smooth(48, 40, 4), ".webp[lossless]")));
  for (TiffCompression c :
       {TiffCompression::kNone, TiffCompression::kLzw, TiffCompression::kDeflate,
        TiffCompression::kJpeg, TiffCompression::kZstd, TiffCompression::kPackbits}) {
    seeds.push_back(*EncodeTiff(rgb, c, 80));
  }
  seeds.push_back(
      ToBytes(VipsEncode(rgb, ".tif[tile,tile-width=16,tile-height=16,compression=jpeg]")));
  seeds.push_back(ToBytes(VipsEncode(Noise(40, 30, 1, PixelType::kU8), ".tif[bitdepth=1]")));
  uint64_t state = 88172645463325252ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int decoded = 0;
  for (const Bytes& seed : seeds) {
    ASSERT_GT(seed.size(), 64u);
    for (int i = 0; i < 150; ++i) {
      Bytes m = seed;
      const int flips = 1 + static_cast<int>(next() % 8);
      for (int f = 0; f < flips; ++f) {
        // Keep the magic number so that Decode() reaches the format's decoder.
        m[12 + next() % (m.size() - 12)] = static_cast<uint8_t>(next());
      }
      if (next() % 4 == 0) m.resize(12 + next() % (m.size() - 12));
      auto r = Decode(m);
      if (r.ok()) {
        ++decoded;
        continue;
      }
      const StatusCode code = r.status().code();
      EXPECT_TRUE(code == StatusCode::kDataLoss || code == StatusCode::kUnsupported ||
                  code == StatusCode::kResourceExhausted)
          << r.status().ToString();
    }
  }
  EXPECT_GT(decoded, 0);  // some flips land in pixel data and still decode
}

// ------------------------------------------------------------------------------- Decode()

TEST(CodecSniffTest, DecodeDispatchesOnMagicNumbers) {
  Image rgb = Smooth(24, 16, 3);
  const std::pair<Encoding, int> cases[] = {
      {Encoding::kPng, 3}, {Encoding::kWebp, 3}, {Encoding::kTiff, 3}, {Encoding::kJpeg, 3}};
  for (const auto& [encoding, bands] : cases) {
    EncodeOptions options;
    options.encoding = encoding;
    options.tiff_compression = TiffCompression::kLzw;
    auto bytes = Encode(rgb, options);
    ASSERT_TRUE(bytes.ok()) << EncodingName(encoding) << ": " << bytes.status().ToString();
    EXPECT_EQ(*SniffEncoding(bytes->data(), bytes->size()), encoding);
    auto img = Decode(*bytes);
    ASSERT_TRUE(img.ok()) << EncodingName(encoding) << ": " << img.status().ToString();
    EXPECT_EQ(img->width(), 24);
    EXPECT_EQ(img->bands(), bands);
    EXPECT_LT(CompareImages(rgb, *img, 24, 16, 3).mean_abs, 3.0) << EncodingName(encoding);
  }
  const std::string gif = "GIF89a........";
  EXPECT_EQ(DecodeString(gif).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Decode(nullptr, 0).status().code(), StatusCode::kInvalidArgument);
  // A zero-size image encodes to no bytes (large_image returns b'').
  EncodeOptions png;
  png.encoding = Encoding::kPng;
  EXPECT_TRUE(Encode(Image(), png)->empty());
}

}  // namespace
}  // namespace tessera
