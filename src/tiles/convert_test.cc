#include "tiles/convert.h"

#include <gtest/gtest.h>
#include <tiffio.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "source/registry.h"
#include "testing/images.h"
#include "testing/reference.h"
#include "testing/temp_dir.h"
#include "testing/tiff_ifds.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

// Inputs are made with libvips' own savers (testing/reference.h), and outputs read back with
// libtiff and libvips: the code under test never reads its own output.
std::string WriteInput(const TempDir& dir, const std::string& name, const Image& img,
                       const std::string& suffix) {
  std::string error;
  const std::string bytes = VipsEncode(img, suffix, &error);
  EXPECT_FALSE(bytes.empty()) << error;
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  return path;
}

bool Tiled(const std::string& path) {
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  if (!tif) return false;
  const bool tiled = TIFFIsTiled(tif) != 0;
  TIFFClose(tif);
  return tiled;
}

// Every IFD is tiled at `tile`, level j is floor(size / 2^j), and the last fits in one tile.
void CheckPyramid(const std::string& path, int64_t w, int64_t h, uint32_t tile) {
  EXPECT_TRUE(Tiled(path));
  std::vector<TiffIfd> ifds = ReadTiffIfds(path);
  ASSERT_GE(ifds.size(), 2u);
  for (size_t j = 0; j < ifds.size(); ++j) {
    SCOPED_TRACE("level " + std::to_string(j));
    EXPECT_EQ(ifds[j].width, static_cast<uint32_t>(w));
    EXPECT_EQ(ifds[j].height, static_cast<uint32_t>(h));
    EXPECT_EQ(ifds[j].tile_w, tile);
    EXPECT_EQ(ifds[j].tile_h, tile);
    w = std::max<int64_t>(1, w / 2);  // libvips halves with floor
    h = std::max<int64_t>(1, h / 2);
  }
  EXPECT_LE(ifds.back().width, tile);
  EXPECT_LE(ifds.back().height, tile);
}

void ExpectSamePixels(const std::string& path, const Image& want, double max_abs) {
  auto got = VipsLoad(path, 0);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->width(), want.width());
  ASSERT_EQ(got->height(), want.height());
  ASSERT_EQ(got->bands(), want.bands());
  ASSERT_EQ(got->type(), want.type());
  Diff d = CompareImages(*got, want, want.width(), want.height(), want.bands());
  EXPECT_LE(d.max_abs, max_abs);
}

// Level j of a lossless output is exactly the 2x2 mean of level j - 1 (odd edges dropped).
void ExpectLevelsAreHalves(const std::string& path, double max_abs) {
  const size_t n = ReadTiffIfds(path).size();
  for (size_t j = 1; j < n; ++j) {
    SCOPED_TRACE("level " + std::to_string(j));
    auto above = VipsLoad(path, static_cast<int>(j - 1));
    auto level = VipsLoad(path, static_cast<int>(j));
    ASSERT_TRUE(above.ok() && level.ok());
    Image even = above->Crop(Rect{0, 0, level->width() * 2, level->height() * 2});
    auto want = VipsShrink(even, 2, 2);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    Diff d = CompareImages(*level, *want, level->width(), level->height(), level->bands());
    EXPECT_LE(d.max_abs, max_abs);
  }
}

StatusOr<ConvertResult> Convert(const std::string& in, const std::string& out,
                                ConvertOptions options = {}) {
  return ConvertToTiledTiff(in, out, options, nullptr);
}

TEST(ConvertTest, StripTiffLosslessIsExactAndPyramidal) {
  TempDir dir;
  Image img = Noise(700, 500, 3, PixelType::kU8);
  const std::string in = WriteInput(dir, "strips.tif", img, ".tif");
  ASSERT_FALSE(Tiled(in));  // the input really is a strip TIFF
  const std::string out = dir.path() + "/out.tiff";
  ConvertOptions options;
  options.compression = ConvertCompression::kDeflate;
  auto r = Convert(in, out, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->width, 700);
  EXPECT_EQ(r->height, 500);
  EXPECT_EQ(r->bands, 3);
  EXPECT_EQ(r->compression, ConvertCompression::kDeflate);
  EXPECT_EQ(r->note, "");
  CheckPyramid(out, 700, 500, 256);
  std::vector<TiffIfd> ifds = ReadTiffIfds(out);
  EXPECT_EQ(ifds[0].compression, COMPRESSION_ADOBE_DEFLATE);
  EXPECT_EQ(ifds[1].subfile, static_cast<uint32_t>(FILETYPE_REDUCEDIMAGE));
  ExpectSamePixels(out, img, 0);
  ExpectLevelsAreHalves(out, 0);
  EXPECT_EQ(r->levels, static_cast<int>(ifds.size()));
  EXPECT_FALSE(fs::exists(out + ".part"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2);

  // What the conversion is for: Tessera's TIFF reader serves it as a pyramid.
  auto source = FormatRegistry::Default().Open(out, OpenOptions{});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->format_name(), "tiff");
  EXPECT_EQ((*source)->metadata().size_x, 700);
  EXPECT_EQ((*source)->metadata().tile_width, 256);
}

TEST(ConvertTest, SixteenBitPngWithAlphaKeepsItsSamples) {
  TempDir dir;
  Image img = Noise(300, 520, 4, PixelType::kU16, 7);
  const std::string in = WriteInput(dir, "rgba16.png", img, ".png");
  for (ConvertCompression c : {ConvertCompression::kLzw, ConvertCompression::kZstd,
                               ConvertCompression::kNone, ConvertCompression::kPackbits}) {
    SCOPED_TRACE(std::string(ConvertCompressionName(c)));
    const std::string out = dir.path() + "/out-" + std::string(ConvertCompressionName(c)) + ".tiff";
    ConvertOptions options;
    options.compression = c;
    options.tile_size = 128;
    auto r = Convert(in, out, options);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    CheckPyramid(out, 300, 520, 128);
    std::vector<TiffIfd> ifds = ReadTiffIfds(out);
    EXPECT_EQ(ifds[0].bits, 16);
    EXPECT_EQ(ifds[0].samples, 4);
    ExpectSamePixels(out, img, 0);
    ExpectLevelsAreHalves(out, 0);
  }
}

TEST(ConvertTest, FloatTiffWithFloatPredictor) {
  TempDir dir;
  Image img = Noise(260, 270, 1, PixelType::kF32, 3);
  const std::string in = WriteInput(dir, "f32.tif", img, ".tif");
  const std::string out = dir.path() + "/out.tiff";
  ConvertOptions options;
  options.compression = ConvertCompression::kZstd;
  auto r = Convert(in, out, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  CheckPyramid(out, 260, 270, 256);
  TIFF* tif = TIFFOpen(out.c_str(), "r");
  ASSERT_NE(tif, nullptr);
  uint16_t predictor = 0;
  TIFFGetField(tif, TIFFTAG_PREDICTOR, &predictor);
  TIFFClose(tif);
  EXPECT_EQ(predictor, PREDICTOR_FLOATINGPOINT);
  ExpectSamePixels(out, img, 0);

  options.predictor = ConvertPredictor::kFloat;
  Image ints = Noise(40, 40, 1, PixelType::kU8);
  const std::string in8 = WriteInput(dir, "u8.tif", ints, ".tif");
  EXPECT_EQ(Convert(in8, dir.path() + "/u8.tiff", options).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ConvertTest, JpegByDefaultWithinTolerance) {
  TempDir dir;
  Image img = Smooth(600, 400, 3);
  const std::string in = WriteInput(dir, "smooth.png", img, ".png");
  const std::string out = dir.path() + "/out.tiff";
  auto r = Convert(in, out);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->compression, ConvertCompression::kJpeg);
  CheckPyramid(out, 600, 400, 256);
  EXPECT_EQ(ReadTiffIfds(out)[0].compression, COMPRESSION_JPEG);
  auto got = VipsLoad(out, 0);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  Diff d = CompareImages(*got, img, 600, 400, 3);
  EXPECT_LT(d.mean_abs, 2.0);
  EXPECT_LT(d.max_abs, 40);
  // The reduced levels' tiles were copied raw with their JPEG tables: each decodes, and is the
  // half of the level above within JPEG's error.
  ExpectLevelsAreHalves(out, 40);
  auto source = FormatRegistry::Default().Open(out, OpenOptions{});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto tile = (*source)->ReadTile(0, (*source)->metadata().levels - 1, 1, 1);
  ASSERT_TRUE(tile.ok()) << tile.status().ToString();

  // A lower quality makes a smaller file.
  ConvertOptions low;
  low.quality = 20;
  const std::string out_low = dir.path() + "/low.tiff";
  ASSERT_TRUE(Convert(in, out_low, low).ok());
  EXPECT_LT(fs::file_size(out_low), fs::file_size(out));
}

TEST(ConvertTest, JpegFallsBackToDeflateForSamplesItCannotHold) {
  TempDir dir;
  Image img = Noise(100, 90, 3, PixelType::kU16, 5);
  const std::string in = WriteInput(dir, "rgb16.png", img, ".png");
  const std::string out = dir.path() + "/out.tiff";
  auto r = Convert(in, out);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->compression, ConvertCompression::kDeflate);
  EXPECT_NE(r->note.find("jpeg cannot hold 3 bands of ushort"), std::string::npos) << r->note;
  ExpectSamePixels(out, img, 0);

  Image rgba = Smooth(64, 64, 4);
  const std::string in4 = WriteInput(dir, "rgba.png", rgba, ".png");
  r = Convert(in4, dir.path() + "/rgba.tiff");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->compression, ConvertCompression::kDeflate);
  ExpectSamePixels(dir.path() + "/rgba.tiff", rgba, 0);
}

TEST(ConvertTest, ProgressIsMonotonicAndReachesOne) {
  TempDir dir;
  Image img = Smooth(1024, 3000, 3);
  const std::string in = WriteInput(dir, "tall.png", img, ".png");
  std::vector<double> seen;
  ConvertOptions options;
  options.compression = ConvertCompression::kNone;
  auto r = ConvertToTiledTiff(in, dir.path() + "/out.tiff", options, [&](double f) {
    seen.push_back(f);
    return true;
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_GE(seen.size(), 2u);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i], seen[i - 1]);
  EXPECT_GE(seen.front(), 0.0);
  EXPECT_DOUBLE_EQ(seen.back(), 1.0);
}

TEST(ConvertTest, CancellationLeavesNoOutput) {
  TempDir dir;
  Image img = Smooth(1024, 3000, 3);
  const std::string in = WriteInput(dir, "tall.png", img, ".png");
  const std::string out = dir.path() + "/out.tiff";
  int calls = 0;
  auto r = ConvertToTiledTiff(in, out, {}, [&](double) {
    ++calls;
    return false;
  });
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".part"));
}

// Cancels at `at` of the way: in the full-resolution level (about 3/4 of the pixels) or in a
// reduced one. Run under valgrind, this also shows libvips frees nothing it still uses.
void CancelAt(double at) {
  TempDir dir;
  Image img = Smooth(1024, 3000, 3);
  const std::string in = WriteInput(dir, "tall.png", img, ".png");
  const std::string out = dir.path() + "/out.tiff";
  double last = 0;
  auto r = ConvertToTiledTiff(in, out, {}, [&](double f) {
    last = f;
    return f < at;
  });
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_GE(last, at);
  EXPECT_LT(last, 1.0);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1)
      << "only the input is left";
}

TEST(ConvertTest, CancellationMidwayLeavesNoOutput) {
  CancelAt(0.5);
  CancelAt(0.8);
}

TEST(ConvertTest, CancellationAtTheEndLeavesNoOutput) {
  TempDir dir;
  Image img = Smooth(64, 64, 3);
  const std::string in = WriteInput(dir, "small.png", img, ".png");
  const std::string out = dir.path() + "/out.tiff";
  auto r = ConvertToTiledTiff(in, out, {}, [&](double f) { return f < 1.0; });
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".part"));
}

TEST(ConvertTest, Errors) {
  TempDir dir;
  const std::string out = dir.path() + "/out.tiff";
  EXPECT_EQ(Convert(dir.path() + "/missing.png", out).status().code(), StatusCode::kNotFound);

  const std::string text = dir.path() + "/notes.txt";
  std::ofstream(text) << "not an image at all\n";
  EXPECT_EQ(Convert(text, out).status().code(), StatusCode::kUnsupported);

  // A truncated PNG: the header reads, the pixels do not. Nothing is left behind, and an
  // existing output is not touched.
  Image img = Noise(400, 400, 3, PixelType::kU8);
  const std::string png = WriteInput(dir, "whole.png", img, ".png");
  const std::string cut = dir.path() + "/cut.png";
  fs::copy_file(png, cut);
  fs::resize_file(cut, fs::file_size(png) / 2);
  std::ofstream(out) << "previous";
  auto r = Convert(cut, out);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(fs::exists(out + ".part"));
  EXPECT_EQ(fs::file_size(out), 8u);

  ConvertOptions bad;
  bad.tile_size = 100;
  EXPECT_EQ(Convert(png, dir.path() + "/x.tiff", bad).status().code(),
            StatusCode::kInvalidArgument);
  bad = {};
  bad.quality = 0;
  EXPECT_EQ(Convert(png, dir.path() + "/x.tiff", bad).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(dir.path() + "/x.tiff"));
}

TEST(ConvertTest, ParseNames) {
  for (auto name : {"jpeg", "deflate", "lzw", "zstd", "packbits", "webp", "none"}) {
    auto c = ParseConvertCompression(name);
    ASSERT_TRUE(c.ok()) << name;
    EXPECT_EQ(ConvertCompressionName(*c), name);
  }
  EXPECT_EQ(ParseConvertCompression("jp2k").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseConvertCompression("JPEG").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*ParseConvertPredictor("yes"), ConvertPredictor::kAuto);
  EXPECT_EQ(*ParseConvertPredictor("float"), ConvertPredictor::kFloat);
  EXPECT_FALSE(ParseConvertPredictor("sometimes").ok());
}

}  // namespace
}  // namespace tessera
