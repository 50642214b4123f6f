// The TIFF codec, checked against libvips and plain libtiff.
#include "imaging/codec_test_util.h"

namespace tessera {
namespace {

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

}  // namespace
}  // namespace tessera
