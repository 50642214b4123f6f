#include "source/vips_source.h"

#include <gtest/gtest.h>
#include <tiffio.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "io/fake_file_system.h"
#include "testing/reference.h"
#include "testing/temp_dir.h"
#include "testing/testdata.h"

namespace tessera {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

int Probe(const std::string& path) {
  std::string bytes = ReadAll(path);
  return VipsFormat().probe(path, std::string_view(bytes).substr(0, 4096));
}

StatusOr<std::unique_ptr<TileSource>> Open(const std::string& path,
                                           const OpenOptions& options = OpenOptions()) {
  return VipsFormat().open(path, options);
}

// Every stored tile of `source` equals the matching crop of `ref` (zero outside the image).
void ExpectTilesMatch(const TileSource& source, const Image& ref) {
  const SourceMetadata& m = source.metadata();
  const int z = m.levels - 1;
  for (int64_t ty = 0; ty * m.tile_height < m.size_y; ++ty) {
    for (int64_t tx = 0; tx * m.tile_width < m.size_x; ++tx) {
      auto tile = source.ReadTile(0, z, tx, ty);
      ASSERT_TRUE(tile.ok()) << tile.status().ToString();
      ASSERT_EQ(tile->width(), m.tile_width);
      ASSERT_EQ(tile->height(), m.tile_height);
      Image want =
          ref.Crop(Rect{tx * m.tile_width, ty * m.tile_height, m.tile_width, m.tile_height});
      EXPECT_TRUE(*tile == want) << "tile " << tx << "," << ty;
    }
  }
}

// A PNG holding only a signature and an IHDR: libvips reads the header without pixels.
std::string HeaderOnlyPng(uint32_t width, uint32_t height) {
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  std::string chunk = "IHDR" + be32(width) + be32(height) + std::string("\x08\x02\x00\x00\x00", 5);
  uint32_t crc = 0xffffffffu;
  for (unsigned char c : chunk) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  crc ^= 0xffffffffu;
  // An empty IDAT ends the header for libspng.
  return std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + chunk + be32(crc) + be32(0) + "IDAT" +
         be32(0x35af061e);
}

TEST(VipsSourceTest, JpegMatchesLibvips) {
  TS_REQUIRE_TESTDATA(path, "sample.jpg");
  EXPECT_EQ(Probe(path), 1);
  auto source = Open(path);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const TileSource& s = **source;
  const SourceMetadata& m = s.metadata();
  EXPECT_EQ(s.format_name(), "vips");
  EXPECT_EQ(m.size_x, 290);
  EXPECT_EQ(m.size_y, 442);
  EXPECT_EQ(m.tile_width, 256);
  EXPECT_EQ(m.tile_height, 256);
  EXPECT_EQ(m.levels, 2);
  EXPECT_EQ(m.band_count, 3);
  EXPECT_EQ(m.dtype, PixelType::kU8);
  EXPECT_TRUE(s.HasLevel(0, 1));
  EXPECT_FALSE(s.HasLevel(0, 0));
  EXPECT_FALSE(s.HasLevel(1, 1));
  EXPECT_EQ(s.ReadTile(0, 0, 0, 0).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(s.ReadTile(0, 1, 2, 0).status().code(), StatusCode::kOutOfRange);
  EXPECT_GE(s.MemoryEstimate(), size_t{290} * 442 * 3);

  auto ref = VipsLoad(path);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ExpectTilesMatch(s, *ref);
  // Pixels past the right edge of an edge tile are zero.
  auto edge = s.ReadTile(0, 1, 1, 1);
  ASSERT_TRUE(edge.ok());
  EXPECT_EQ(edge->row(10)[(290 - 256) * 3 + 1], 0);
}

TEST(VipsSourceTest, SixteenBitRgbaPngKeepsItsType) {
  TS_REQUIRE_TESTDATA(path, "test_RGBA_16.png");
  EXPECT_EQ(Probe(path), 1);
  auto source = Open(path);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const SourceMetadata& m = (*source)->metadata();
  EXPECT_EQ(m.size_x, 64);
  EXPECT_EQ(m.size_y, 64);
  EXPECT_EQ(m.levels, 1);
  EXPECT_EQ(m.dtype, PixelType::kU16);
  EXPECT_EQ(m.band_count, 4);
  auto ref = VipsLoad(path);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ASSERT_EQ(ref->type(), PixelType::kU16);
  ExpectTilesMatch(**source, *ref);
}

TEST(VipsSourceTest, IiifValidatorPngMatchesLibvips) {
  TS_REQUIRE_TESTDATA(path, "67352ccc-d1b0-11e1-89ae-279075081939.png");
  auto source = Open(path);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const SourceMetadata& m = (*source)->metadata();
  EXPECT_EQ(m.size_x, 1000);
  EXPECT_EQ(m.size_y, 1000);
  EXPECT_EQ(m.levels, 3);
  EXPECT_EQ(m.band_count, 3);
  for (int z = 0; z < 2; ++z) EXPECT_FALSE((*source)->HasLevel(0, z));
  auto ref = VipsLoad(path);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ExpectTilesMatch(**source, *ref);
}

TEST(VipsSourceTest, TiffOrientationIsAppliedLikePil) {
  TS_REQUIRE_TESTDATA(path, "test_orient6.tif");
  auto source = Open(path);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const SourceMetadata& m = (*source)->metadata();
  EXPECT_EQ(m.size_x, 180);  // stored 120x180, Orientation=6
  EXPECT_EQ(m.size_y, 120);
  auto ref = VipsLoad(path, -1, /*autorotate=*/true);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ASSERT_EQ(ref->width(), 180);
  ExpectTilesMatch(**source, *ref);
}

TEST(VipsSourceTest, AllEightTiffOrientations) {
  // A 5x3 RGB strip TIFF with distinct pixels, written with each Orientation value.
  TempDir dir;
  for (int orientation = 1; orientation <= 8; ++orientation) {
    const std::string path = dir.path() + "/o" + std::to_string(orientation) + ".tif";
    TIFF* tif = TIFFOpen(path.c_str(), "w");
    ASSERT_NE(tif, nullptr);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 5);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 3);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 3);
    TIFFSetField(tif, TIFFTAG_ORIENTATION, orientation);
    for (int y = 0; y < 3; ++y) {
      uint8_t row[15];
      for (int i = 0; i < 15; ++i) row[i] = static_cast<uint8_t>(y * 15 + i);
      ASSERT_EQ(TIFFWriteScanline(tif, row, y, 0), 1);
    }
    TIFFClose(tif);

    auto source = Open(path);
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    auto ref = VipsLoad(path, -1, /*autorotate=*/true);
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    EXPECT_EQ((*source)->metadata().size_x, orientation >= 5 ? 3 : 5) << orientation;
    ASSERT_EQ((*source)->metadata().size_x, ref->width()) << orientation;
    ExpectTilesMatch(**source, *ref);
  }
}

TEST(VipsSourceTest, TooLargeImagesAreRefused) {
  TempDir dir;
  const std::string path = dir.path() + "/huge.png";
  WriteAll(path, HeaderOnlyPng(20000, 20000));
  EXPECT_EQ(Probe(path), 1);
  auto source = Open(path);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(source.status().message().find(path), std::string::npos);
  EXPECT_NE(source.status().message().find("tiled pyramid"), std::string::npos)
      << source.status().message();

  // The per-side limit of OpenOptions applies too.
  TS_REQUIRE_TESTDATA(jpg, "sample.jpg");
  OpenOptions small;
  small.max_dimension = 300;
  EXPECT_EQ(Open(jpg, small).status().code(), StatusCode::kUnsupported);
}

TEST(VipsSourceTest, NonImagesAndBrokenFilesFailCleanly) {
  TempDir dir;
  const std::string text = dir.path() + "/notes.txt";
  WriteAll(text, "just some words, not an image\n");
  EXPECT_EQ(Probe(text), 0);
  auto bad = Open(text);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(bad.status().message().find(text), std::string::npos);

  EXPECT_EQ(Open(dir.path() + "/missing.png").status().code(), StatusCode::kNotFound);

  TS_REQUIRE_TESTDATA(png, "67352ccc-d1b0-11e1-89ae-279075081939.png");
  std::string bytes = ReadAll(png);
  const std::string cut = dir.path() + "/truncated.png";
  WriteAll(cut, bytes.substr(0, bytes.size() / 2));
  auto truncated = Open(cut);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), StatusCode::kDataLoss) << truncated.status().ToString();
  EXPECT_NE(truncated.status().message().find(cut), std::string::npos);
}

TEST(VipsSourceTest, ReadsThroughTheInjectedFileSystem) {
  TS_REQUIRE_TESTDATA(path, "sample.jpg");
  FakeFileSystem fs;
  fs.SetFile("/fake/picture", ReadAll(path));
  OpenOptions options;
  options.fs = &fs;
  auto source = Open("/fake/picture", options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->metadata().size_x, 290);
  EXPECT_EQ((*source)->OpenFileCount(), 0);

  fs.FailReads("/fake/picture", true);
  auto failed = Open("/fake/picture", options);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kDataLoss) << failed.status().ToString();
  EXPECT_NE(failed.status().message().find("/fake/picture"), std::string::npos);
}

}  // namespace
}  // namespace tessera
