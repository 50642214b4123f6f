// PNG and WebP codecs (and Decode() dispatch, mutated inputs), checked against libvips.
#include "imaging/codec_test_util.h"

namespace tessera {
namespace {

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
