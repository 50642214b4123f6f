// Tests of the tiff format. Pixels are always compared with an independent decoder (libvips,
// through libtiff or OpenSlide), never with this reader itself. Real files come from the shared
// test data folder (tests skip without it); more are generated at test time with the Debian
// command-line tools (vips, tiffcp, tiffset, tiffmedian, tiffdither; tests skip without them).
#include "source/tiff_source.h"

#include <gtest/gtest.h>
#include <tiffio.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>

#include "imaging/codec.h"
#include "io/fake_file_system.h"
#include "source/ome_metadata.h"
#include "source/tiff_orientation.h"
#include "testing/reference.h"
#include "testing/temp_dir.h"
#include "testing/testdata.h"

namespace tessera {
namespace {

// ---- helpers --------------------------------------------------------------------------------

std::unique_ptr<TileSource> Open(const std::string& path, const OpenOptions& options = {}) {
  auto s = TiffFormat().open(path, options);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

std::string Property(const TileSource& s, const std::string& key) {
  for (const auto& [k, v] : s.metadata().properties) {
    if (k == key) return v;
  }
  return "<missing>";
}

bool Sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

bool HaveTools(std::initializer_list<const char*> tools) {
  for (const char* t : tools) {
    if (!Sh(std::string("command -v ") + t)) return false;
  }
  return true;
}

#define REQUIRE_TOOLS(...)                                       \
  if (!HaveTools({__VA_ARGS__})) {                               \
    GTEST_SKIP() << "needs the command-line tools " #__VA_ARGS__ \
                    " (libvips-tools, libtiff-tools)";           \
  }

std::string Q(const std::string& s) { return "'" + s + "'"; }

// A w x h 3-band uint8 image with smooth and noisy bands, as a .v file in `dir`.
std::string MakeRgb(const std::string& dir, int w, int h) {
  const std::string p = dir + "/";
  const std::string size = std::to_string(w) + " " + std::to_string(h);
  EXPECT_TRUE(Sh("vips sines " + Q(p + "a.v") + " " + size + " --hfreq 3 --vfreq 2"));
  EXPECT_TRUE(Sh("vips linear " + Q(p + "a.v") + " " + Q(p + "a8.v") + " 100 128 --uchar"));
  EXPECT_TRUE(Sh("vips zone " + Q(p + "b.v") + " " + size));
  EXPECT_TRUE(Sh("vips linear " + Q(p + "b.v") + " " + Q(p + "b8.v") + " 120 128 --uchar"));
  EXPECT_TRUE(Sh("vips gaussnoise " + Q(p + "c.v") + " " + size + " --mean 128 --sigma 30"));
  EXPECT_TRUE(Sh("vips cast " + Q(p + "c.v") + " " + Q(p + "c8.v") + " uchar"));
  EXPECT_TRUE(Sh("vips bandjoin \"" + p + "a8.v " + p + "b8.v " + p + "c8.v\" " + Q(p + "rgb.v")));
  return p + "rgb.v";
}

// `img` with its samples read as `type` (of the same size): libvips writes SampleFormat in the
// first IFD of a pyramid only, and reads the others as unsigned.
Image Reinterpret(const Image& img, PixelType type) {
  if (BytesPerSample(type) != img.sample_bytes()) return img.Clone();
  Image out(img.width(), img.height(), img.bands(), type);
  std::memcpy(out.data(), img.data(), img.byte_size());
  return out;
}

// Compares every tile of `level` with `ref` (the whole level, displayed, as vips decodes it).
void ExpectLevelMatches(const TileSource& s, int frame, int level, const Image& ref,
                        double max_tolerance, double mean_tolerance = 1e9) {
  const SourceMetadata& m = s.metadata();
  const LevelSize ls = s.GetLevelSize(level);
  ASSERT_EQ(ls.width, ref.width()) << "level " << level;
  ASSERT_EQ(ls.height, ref.height()) << "level " << level;
  const int bands = std::min(m.band_count, ref.bands());
  for (int64_t ty = 0; ty * m.tile_height < ls.height; ++ty) {
    for (int64_t tx = 0; tx * m.tile_width < ls.width; ++tx) {
      auto tile = s.ReadTile(frame, level, tx, ty);
      ASSERT_TRUE(tile.ok()) << tile.status().ToString();
      ASSERT_EQ(tile->width(), m.tile_width);
      ASSERT_EQ(tile->height(), m.tile_height);
      ASSERT_EQ(tile->bands(), m.band_count);
      ASSERT_EQ(tile->type(), m.dtype);
      const int w = static_cast<int>(std::min<int64_t>(m.tile_width, ls.width - tx * m.tile_width));
      const int h =
          static_cast<int>(std::min<int64_t>(m.tile_height, ls.height - ty * m.tile_height));
      Image crop = ref.Crop(Rect{tx * m.tile_width, ty * m.tile_height, w, h});
      Diff d = CompareImages(*tile, crop, w, h, bands);
      EXPECT_LE(d.max_abs, max_tolerance)
          << "frame " << frame << " level " << level << " tile " << tx << "," << ty;
      EXPECT_LE(d.mean_abs, mean_tolerance)
          << "frame " << frame << " level " << level << " tile " << tx << "," << ty;
    }
  }
}

// A JPEG tile spliced independently: libtiff's raw tile bytes and JPEGTables.
Bytes IndependentJpegTile(const std::string& path, int directory, uint32_t tile) {
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  if (!tif) return {};
  Bytes out;
  uint64_t* counts = nullptr;
  uint32_t ntables = 0;
  void* tables = nullptr;
  if (TIFFSetDirectory(tif, static_cast<tdir_t>(directory)) &&
      TIFFGetField(tif, TIFFTAG_TILEBYTECOUNTS, &counts) && counts) {
    Bytes raw(counts[tile]);
    tmsize_t n = TIFFReadRawTile(tif, tile, raw.data(), static_cast<tmsize_t>(raw.size()));
    raw.resize(n > 0 ? static_cast<size_t>(n) : 0);
    if (TIFFGetField(tif, TIFFTAG_JPEGTABLES, &ntables, &tables) && ntables > 2) {
      const auto* t = static_cast<const uint8_t*>(tables);
      out.assign(t, t + ntables - 2);
      out.insert(out.end(), raw.begin() + 2, raw.end());
    } else {
      out = raw;
    }
    // large_image's rule for Photometric RGB: component ids 0, 1, 2 become 'R', 'G', 'B'.
    uint16_t photometric = 0;
    TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
    const std::string s(out.begin(), out.end());
    const size_t sof = s.find("\xFF\xC0"), sos = s.find("\xFF\xDA");
    if (photometric == PHOTOMETRIC_RGB && sof != std::string::npos && sos != std::string::npos &&
        s.substr(sof + 2, 2) == std::string("\x00\x11", 2) && s[sof + 10] == 0 &&
        s[sof + 13] == 1 && s[sof + 16] == 2 && s[sos + 5] == 0 && s[sos + 7] == 1 &&
        s[sos + 9] == 2) {
      for (int c = 0; c < 3; ++c) {
        out[sof + 10 + 3 * c] = static_cast<uint8_t>("RGB"[c]);
        out[sos + 5 + 2 * c] = static_cast<uint8_t>("RGB"[c]);
      }
    }
  }
  TIFFClose(tif);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// ---- probe ----------------------------------------------------------------------------------

TEST(TiffFormatTest, ProbeRecognisesTiffAndBigTiffMagic) {
  FormatEntry f = TiffFormat();
  EXPECT_EQ(f.name, "tiff");
  EXPECT_EQ(f.probe("a.tif", std::string("II*\0rest", 8)), 50);
  EXPECT_EQ(f.probe("a.tif", std::string("MM\0*rest", 8)), 50);
  EXPECT_EQ(f.probe("a.tif", std::string("II+\0\x08\0\0\0", 8)), 50);
  EXPECT_EQ(f.probe("a.tif", std::string("MM\0+\0\x08\0\0", 8)), 50);
  EXPECT_EQ(f.probe("a.jpg", "\xFF\xD8\xFF\xE0"), 0);
  EXPECT_EQ(f.probe("a.tif", "II"), 0);
}

TEST(TiffFormatTest, OpenMissingFileIsNotFound) {
  auto s = TiffFormat().open("/nonexistent/dir/x.tif", OpenOptions{});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
}

TEST(TiffFormatTest, NotATiffIsUnsupported) {
  FakeFileSystem fs;
  fs.SetFile("/x.tif", std::string("II*\0garbage-garbage-garbage", 27));
  OpenOptions o;
  o.fs = &fs;
  auto s = TiffFormat().open("/x.tif", o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported) << s.status().ToString();
  EXPECT_NE(s.status().message().find("/x.tif"), std::string::npos);
}

// ---- real files -----------------------------------------------------------------------------

TEST(TiffSourceTest, AperioSvsMetadata) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  auto s = Open(path);
  ASSERT_TRUE(s);
  const SourceMetadata& m = s->metadata();
  EXPECT_EQ(s->format_name(), "tiff");
  EXPECT_EQ(m.size_x, 2220);
  EXPECT_EQ(m.size_y, 2967);
  EXPECT_EQ(m.tile_width, 240);
  EXPECT_EQ(m.tile_height, 240);
  EXPECT_EQ(m.levels, 5);
  for (int l = 0; l < 4; ++l) EXPECT_FALSE(s->HasLevel(0, l)) << l;
  EXPECT_TRUE(s->HasLevel(0, 4));
  ASSERT_TRUE(m.magnification);
  EXPECT_DOUBLE_EQ(*m.magnification, 20);
  ASSERT_TRUE(m.mm_x && m.mm_y);
  EXPECT_NEAR(*m.mm_x, 0.000499, 1e-12);
  EXPECT_NEAR(*m.mm_y, 0.000499, 1e-12);
  EXPECT_EQ(m.dtype, PixelType::kU8);
  EXPECT_EQ(m.band_count, 3);
  EXPECT_EQ(m.frame_count, 1);
  EXPECT_TRUE(m.frames.empty());
  EXPECT_EQ(Property(*s, "aperio.AppMag"), "20");
  EXPECT_EQ(Property(*s, "aperio.MPP"), "0.4990");
  EXPECT_EQ(Property(*s, "tessera.storedLevels"), "1");
  EXPECT_EQ(Property(*s, "tessera.compression"), "jpeg");
  EXPECT_EQ(Property(*s, "tiff.ImageDescription").rfind("Aperio Image Library", 0), 0u);
  EXPECT_EQ(s->OpenFileCount(), 1);
  EXPECT_GT(s->MemoryEstimate(), 0u);
  auto names = s->AssociatedImageNames();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"label", "macro", "thumbnail"}));
  std::map<std::string, std::pair<int, int>> sizes = {
      {"thumbnail", {574, 768}}, {"label", {387, 463}}, {"macro", {1280, 431}}};
  for (const auto& [name, size] : sizes) {
    auto img = s->ReadAssociatedImage(name);
    ASSERT_TRUE(img.ok()) << img.status().ToString();
    EXPECT_EQ(img->width(), size.first) << name;
    EXPECT_EQ(img->height(), size.second) << name;
    EXPECT_EQ(img->bands(), 3);
  }
  EXPECT_EQ(s->ReadAssociatedImage("nothing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(s->ReadTile(0, 3, 0, 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(s->ReadTile(0, 4, 10, 0).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(s->ReadTile(1, 4, 0, 0).status().code(), StatusCode::kOutOfRange);
}

TEST(TiffSourceTest, AperioSvsTilesMatchOpenSlide) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  auto s = Open(path);
  ASSERT_TRUE(s);
  auto ref = VipsLoad(path);  // OpenSlide: RGBA
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ExpectLevelMatches(*s, 0, 4, *ref, 8, 1.0);
}

TEST(TiffSourceTest, AperioAssociatedLabelMatchesLibtiff) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  REQUIRE_TOOLS("tiffcp");
  TempDir dir;
  const std::string label = dir.path() + "/label.tif";
  ASSERT_TRUE(Sh("tiffcp " + Q(path) + ",2 " + Q(label)));  // the LZW label, as it is
  auto ref = VipsLoad(label);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  auto s = Open(path);
  ASSERT_TRUE(s);
  auto img = s->ReadAssociatedImage("label");
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  EXPECT_EQ(CompareImages(*img, *ref, ref->width(), ref->height(), 3).max_abs, 0);
}

TEST(TiffSourceTest, RawJpegTileIsTheIndependentSplice) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  auto s = Open(path);
  ASSERT_TRUE(s);
  for (auto [x, y] : {std::pair<int, int>{0, 0}, {3, 5}, {9, 12}}) {
    auto raw = s->ReadRawTile(0, 4, x, y);
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    ASSERT_TRUE(raw->has_value());
    EXPECT_EQ((*raw)->encoding, Encoding::kJpeg);
    Bytes expected = IndependentJpegTile(path, 0, static_cast<uint32_t>(y * 10 + x));
    ASSERT_FALSE(expected.empty());
    EXPECT_TRUE((*raw)->bytes == expected) << "tile " << x << "," << y;
    auto decoded = VipsDecode(std::string((*raw)->bytes.begin(), (*raw)->bytes.end()));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->width(), 240);
    EXPECT_EQ(decoded->height(), 240);
    auto tile = s->ReadTile(0, 4, x, y);
    ASSERT_TRUE(tile.ok());
    EXPECT_LE(CompareImages(*tile, *decoded, 240, 240, 3).max_abs, 2);
  }
  EXPECT_EQ(s->ReadRawTile(0, 4, 10, 0).status().code(), StatusCode::kOutOfRange);
}

TEST(TiffSourceTest, SmallSvsTileLargerThanImage) {
  TS_REQUIRE_TESTDATA(path, "small.svs");
  auto s = Open(path);
  ASSERT_TRUE(s);
  const SourceMetadata& m = s->metadata();
  EXPECT_EQ(m.size_x, 16);
  EXPECT_EQ(m.size_y, 16);
  EXPECT_EQ(m.tile_width, 64);
  EXPECT_EQ(m.levels, 1);
  EXPECT_TRUE(s->HasLevel(0, 0));
  auto ref = VipsLoad(path);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ExpectLevelMatches(*s, 0, 0, *ref, 8, 1.5);
  EXPECT_EQ(s->AssociatedImageNames(), std::vector<std::string>{"thumbnail"});
}

TEST(TiffSourceTest, CorruptTileFailsWithDataLossOnly) {
  TS_REQUIRE_TESTDATA(path, "unreadable.svs");
  auto s = Open(path);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->metadata().size_x, 16);
  // TurboJPEG stops on the corrupt marker segment ("Bogus DQT index"): a fatal error, not a
  // warning. Read on a thread of its own: imaging's DecodeJpeg keeps a per-thread TurboJPEG
  // handle that a header error leaves unusable for that thread.
  Status tile_status, raw_status;
  std::thread([&] {
    tile_status = s->ReadTile(0, 0, 0, 0).status();
    raw_status = s->ReadRawTile(0, 0, 0, 0).status();
  }).join();
  EXPECT_EQ(tile_status.code(), StatusCode::kDataLoss) << tile_status.ToString();
  EXPECT_NE(tile_status.message().find(path), std::string::npos) << tile_status.message();
  EXPECT_NE(tile_status.message().find("level 0"), std::string::npos) << tile_status.message();
  EXPECT_NE(tile_status.message().find("(0, 0)"), std::string::npos) << tile_status.message();
  EXPECT_TRUE(raw_status.ok());  // passthrough does not decode
}

TEST(TiffSourceTest, UnknownCompressionFailsTheOpen) {
  TS_REQUIRE_TESTDATA(path, "unopenable.tiff");
  auto s = TiffFormat().open(path, OpenOptions{});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(s.status().message().find("52479"), std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find(path), std::string::npos) << s.status().message();
}

TEST(TiffSourceTest, BoxesLevelsLandWhereLargeImagePutsThem) {
  TS_REQUIRE_TESTDATA(path, "boxes.tiff");
  auto s = Open(path);
  ASSERT_TRUE(s);
  const SourceMetadata& m = s->metadata();
  EXPECT_EQ(m.size_x, 300);
  EXPECT_EQ(m.size_y, 250);
  EXPECT_EQ(m.tile_width, 64);
  ASSERT_EQ(m.levels, 4);
  const std::pair<int64_t, int64_t> sizes[] = {{37, 31}, {75, 62}, {150, 125}, {300, 250}};
  for (int level = 0; level < 4; ++level) {
    EXPECT_TRUE(s->HasLevel(0, level));
    EXPECT_EQ(s->GetLevelSize(level).width, sizes[level].first);
    EXPECT_EQ(s->GetLevelSize(level).height, sizes[level].second);
    auto ref = VipsLoad(path, 3 - level);
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    ExpectLevelMatches(*s, 0, level, *ref, 0);
    EXPECT_FALSE(s->ReadRawTile(0, level, 0, 0)->has_value());  // Deflate: no passthrough
  }
  EXPECT_EQ(Property(*s, "tessera.storedLevels"), "4");
  EXPECT_EQ(Property(*s, "tessera.iccProfile"), "true");
}

TEST(TiffSourceTest, CogeoMasksAreNotLevelsAndYCbCrJpegDecodes) {
  TS_REQUIRE_TESTDATA(path, "cogeo.tif");
  auto s = Open(path);
  ASSERT_TRUE(s);
  const SourceMetadata& m = s->metadata();
  EXPECT_EQ(m.size_x, 1024);
  EXPECT_EQ(m.tile_width, 512);
  ASSERT_EQ(m.levels, 2);
  EXPECT_TRUE(s->HasLevel(0, 0));
  EXPECT_TRUE(s->HasLevel(0, 1));
  EXPECT_EQ(Property(*s, "tessera.storedLevels"), "7");
  EXPECT_EQ(Property(*s, "tessera.photometric"), "ycbcr");
  EXPECT_TRUE(s->AssociatedImageNames().empty());
  auto full = VipsLoad(path, 0);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  ExpectLevelMatches(*s, 0, 1, *full, 3, 0.5);
  auto half = VipsLoad(path, 2);  // IFD 1 is the 1-bit mask
  ASSERT_TRUE(half.ok()) << half.status().ToString();
  ExpectLevelMatches(*s, 0, 0, *half, 3, 0.5);
  auto raw = s->ReadRawTile(0, 1, 1, 1);
  ASSERT_TRUE(raw.ok() && raw->has_value());
  EXPECT_TRUE((*raw)->bytes == IndependentJpegTile(path, 0, 3));
}

TEST(TiffSourceTest, YCbCrJpegWithTablesAndPartialTiles) {
  TS_REQUIRE_TESTDATA(path, "tiff_tiled_ycbcr_jpeg_2x2_sampling.tif");
  auto s = Open(path);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->metadata().size_x, 480);
  EXPECT_EQ(s->metadata().size_y, 360);
  EXPECT_EQ(s->metadata().levels, 2);
  auto ref = VipsLoad(path);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ExpectLevelMatches(*s, 0, 1, *ref, 3, 0.5);
  for (uint32_t t = 0; t < 4; ++t) {
    auto raw = s->ReadRawTile(0, 1, t % 2, t / 2);
    ASSERT_TRUE(raw.ok() && raw->has_value());
    EXPECT_TRUE((*raw)->bytes == IndependentJpegTile(path, 0, t)) << t;
    auto decoded = VipsDecode(std::string((*raw)->bytes.begin(), (*raw)->bytes.end()));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->width(), 256);
  }
}

TEST(TiffSourceTest, OmeTiffFramesAreChannelsTimesZ) {
  TS_REQUIRE_TESTDATA(path, "multi-channel-z-series.ome.tif");
  auto s = Open(path);
  ASSERT_TRUE(s);
  const SourceMetadata& m = s->metadata();
  EXPECT_EQ(m.size_x, 439);
  EXPECT_EQ(m.size_y, 167);
  EXPECT_EQ(m.dtype, PixelType::kI8);
  EXPECT_EQ(m.band_count, 1);
  EXPECT_EQ(m.tile_width, 256);
  EXPECT_EQ(m.levels, 2);
  ASSERT_EQ(m.frame_count, 15);
  ASSERT_EQ(m.frames.size(), 15u);
  // TiffData order: Z varies fastest (DimensionOrder XYZCT), as large_image lists the frames.
  for (int f = 0; f < 15; ++f) {
    using Indices = std::vector<std::pair<std::string, int>>;
    EXPECT_EQ(m.frames[f].indices, (Indices{{"IndexC", f / 5}, {"IndexZ", f % 5}, {"IndexT", 0}}))
        << f;
    EXPECT_TRUE(s->HasLevel(f, 1));
    EXPECT_FALSE(s->HasLevel(f, 0));
  }
  EXPECT_TRUE(m.channels.empty());  // the channels have no names
  EXPECT_EQ(Property(*s, "tessera.byteOrder"), "big-endian");
  for (int f : {0, 7, 14}) {
    auto ref = VipsLoad(path, f);
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    ASSERT_EQ(ref->type(), PixelType::kI8);
    ExpectLevelMatches(*s, f, 1, *ref, 0);
  }
  EXPECT_FALSE(s->HasLevel(15, 1));
}

TEST(TiffSourceTest, Orientation6IsDisplayedRotated) {
  TS_REQUIRE_TESTDATA(path, "test_orient6.tif");
  auto s = Open(path);
  ASSERT_TRUE(s);
  const SourceMetadata& m = s->metadata();
  EXPECT_EQ(m.size_x, 180);
  EXPECT_EQ(m.size_y, 120);
  EXPECT_EQ(m.tile_width, 64);
  ASSERT_EQ(m.levels, 3);
  for (int level = 0; level < 3; ++level) {
    ASSERT_TRUE(s->HasLevel(0, level));
    auto ref = VipsLoad(path, 2 - level, /*autorotate=*/true);
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    ExpectLevelMatches(*s, 0, level, *ref, 3, 0.5);
    auto raw = s->ReadRawTile(0, level, 0, 0);
    ASSERT_TRUE(raw.ok());
    EXPECT_FALSE(raw->has_value());
  }
}

TEST(TiffSourceTest, BigTiffZstdPyramid) {
  TS_REQUIRE_TESTDATA(path, "yb10kx5k.zstd.tiff");
  REQUIRE_TOOLS("vips");
  auto s = Open(path);
  ASSERT_TRUE(s);
  const SourceMetadata& m = s->metadata();
  EXPECT_EQ(m.size_x, 10000);
  EXPECT_EQ(m.size_y, 5000);
  EXPECT_EQ(m.tile_width, 1024);
  ASSERT_EQ(m.levels, 5);
  for (int l = 0; l < 5; ++l) EXPECT_TRUE(s->HasLevel(0, l));
  EXPECT_EQ(Property(*s, "tessera.bigtiff"), "true");
  EXPECT_EQ(Property(*s, "tessera.compression"), "zstd");
  auto small = VipsLoad(path, 4);
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  ExpectLevelMatches(*s, 0, 0, *small, 0);
  // One full-resolution tile against the same area cut out by vips.
  TempDir dir;
  const std::string crop = dir.path() + "/crop.v";
  ASSERT_TRUE(Sh("vips crop " + Q(path) + " " + Q(crop) + " 9216 4096 784 904"));
  auto ref = VipsLoad(crop);
  ASSERT_TRUE(ref.ok());
  auto tile = s->ReadTile(0, 4, 9, 4);
  ASSERT_TRUE(tile.ok()) << tile.status().ToString();
  EXPECT_EQ(CompareImages(*tile, *ref, 784, 904, 3).max_abs, 0);
}

TEST(TiffSourceTest, StrippedUint16RgbaServesVirtualTiles) {
  TS_REQUIRE_TESTDATA(path, "RGBA.uint16.tif");
  auto s = Open(path);
  ASSERT_TRUE(s);
  const SourceMetadata& m = s->metadata();
  EXPECT_EQ(m.size_x, 634);
  EXPECT_EQ(m.size_y, 411);
  EXPECT_EQ(m.tile_width, 256);
  EXPECT_EQ(m.tile_height, 256);
  EXPECT_EQ(m.dtype, PixelType::kU16);
  EXPECT_EQ(m.band_count, 4);
  EXPECT_EQ(m.levels, 3);
  EXPECT_TRUE(s->HasLevel(0, 2));
  EXPECT_FALSE(s->HasLevel(0, 1));
  auto ref = VipsLoad(path);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ExpectLevelMatches(*s, 0, 2, *ref, 0);
}

TEST(TiffSourceTest, FloatingPointPredictor) {
  TS_REQUIRE_TESTDATA(path, "predictor-3-gray-f32.tif");
  auto s = Open(path);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->metadata().dtype, PixelType::kF32);
  EXPECT_EQ(s->metadata().band_count, 1);
  EXPECT_EQ(s->metadata().levels, 1);
  EXPECT_EQ(Property(*s, "tessera.predictor"), "3");
  auto ref = VipsLoad(path);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ExpectLevelMatches(*s, 0, 0, *ref, 0);
}

TEST(TiffSourceTest, ConcurrentReadsAgree) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  TS_REQUIRE_TESTDATA(boxes, "boxes.tiff");
  TS_REQUIRE_TESTDATA(rgba, "RGBA.uint16.tif");
  struct Job {
    const TileSource* source;
    int level;
    int64_t x, y;
  };
  std::vector<std::unique_ptr<TileSource>> sources;
  std::vector<Job> jobs;
  for (const std::string& p : {svs, boxes, rgba}) {
    sources.push_back(Open(p));
    ASSERT_TRUE(sources.back());
    const TileSource& s = *sources.back();
    const int level = s.metadata().levels - 1;
    const LevelSize ls = s.GetLevelSize(level);
    for (int64_t y = 0; y * s.metadata().tile_height < ls.height; ++y) {
      for (int64_t x = 0; x * s.metadata().tile_width < ls.width; ++x) {
        jobs.push_back(Job{&s, level, x, y});
      }
    }
  }
  std::vector<Image> expected;
  for (const Job& j : jobs) {
    auto t = j.source->ReadTile(0, j.level, j.x, j.y);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    expected.push_back(std::move(t).value());
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (size_t k = 0; k < jobs.size(); ++k) {
        size_t i = (k * 7 + static_cast<size_t>(t) * 13) % jobs.size();
        auto tile = jobs[i].source->ReadTile(0, jobs[i].level, jobs[i].x, jobs[i].y);
        if (!tile.ok() || !(*tile == expected[i])) ++mismatches;
        if (t % 2 == 0) {
          auto raw = jobs[i].source->ReadRawTile(0, jobs[i].level, jobs[i].x, jobs[i].y);
          if (!raw.ok()) ++mismatches;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// ---- fault injection and hardening (FakeFileSystem) -------------------------------------------

TEST(TiffSourceTest, ReadsOnlyThroughTheInjectedFileSystem) {
  TS_REQUIRE_TESTDATA(path, "boxes.tiff");
  FakeFileSystem fs;
  fs.SetFile("/fake/boxes.tiff", ReadFile(path));
  OpenOptions o;
  o.fs = &fs;
  auto s = Open("/fake/boxes.tiff", o);
  ASSERT_TRUE(s);
  EXPECT_EQ(fs.open_count(), 1);
  auto good = s->ReadTile(0, 3, 1, 1);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  fs.FailReads("/fake/boxes.tiff", true);
  auto bad = s->ReadTile(0, 3, 2, 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find("/fake/boxes.tiff"), std::string::npos);
  fs.FailReads("/fake/boxes.tiff", false);
  auto again = s->ReadTile(0, 3, 2, 1);
  EXPECT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(fs.open_count(), 1);
}

TEST(TiffSourceTest, TruncatedFileFailsCleanly) {
  TS_REQUIRE_TESTDATA(path, "boxes.tiff");
  const std::string bytes = ReadFile(path);
  FakeFileSystem fs;
  OpenOptions o;
  o.fs = &fs;
  // boxes.tiff keeps its IFDs at the end: cutting anywhere fails the open or the tile reads.
  for (size_t cut : {size_t{8}, bytes.size() / 4, bytes.size() / 2, bytes.size() - 10}) {
    fs.SetFile("/t.tif", bytes.substr(0, cut));
    auto s = TiffFormat().open("/t.tif", o);
    if (!s.ok()) continue;
    for (int level = 0; level < (*s)->metadata().levels; ++level) {
      if (!(*s)->HasLevel(0, level)) continue;
      auto t = (*s)->ReadTile(0, level, 0, 0);
      if (!t.ok()) {
        EXPECT_EQ(t.status().code(), StatusCode::kDataLoss) << t.status().ToString();
      }
    }
  }
}

TEST(TiffSourceTest, MaxDimensionIsEnforced) {
  TS_REQUIRE_TESTDATA(path, "boxes.tiff");
  OpenOptions o;
  o.max_dimension = 200;
  auto s = TiffFormat().open(path, o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kResourceExhausted) << s.status().ToString();
}

TEST(TiffSourceTest, CyclicIfdChainIsCut) {
  TS_REQUIRE_TESTDATA(path, "boxes.tiff");
  std::string bytes = ReadFile(path);
  // Make IFD 1's "next IFD" pointer point back at IFD 0 (classic little-endian TIFF).
  auto u32 = [&](size_t at) {
    uint32_t v;
    std::memcpy(&v, bytes.data() + at, 4);
    return v;
  };
  auto u16 = [&](size_t at) {
    uint16_t v;
    std::memcpy(&v, bytes.data() + at, 2);
    return v;
  };
  const uint32_t ifd0 = u32(4);
  const uint32_t ifd1 = u32(ifd0 + 2 + 12 * u16(ifd0));
  std::memcpy(bytes.data() + ifd1 + 2 + 12 * u16(ifd1), &ifd0, 4);
  FakeFileSystem fs;
  fs.SetFile("/loop.tif", bytes);
  OpenOptions o;
  o.fs = &fs;
  auto s = Open("/loop.tif", o);
  ASSERT_TRUE(s);
  EXPECT_EQ(Property(*s, "tessera.directories"), "2");
  EXPECT_TRUE(s->HasLevel(0, 3));
  EXPECT_TRUE(s->HasLevel(0, 2));
  EXPECT_FALSE(s->HasLevel(0, 1));
}

TEST(TiffSourceTest, SparseTileReadsAsZeros) {
  TS_REQUIRE_TESTDATA(path, "boxes.tiff");
  std::string bytes = ReadFile(path);
  // Zero the first TileByteCounts entry of IFD 0 (GDAL's convention for a tile never written).
  uint32_t ifd0, counts_at = 0;
  uint16_t entries;
  std::memcpy(&ifd0, bytes.data() + 4, 4);
  std::memcpy(&entries, bytes.data() + ifd0, 2);
  for (uint16_t e = 0; e < entries; ++e) {
    uint16_t tag;
    std::memcpy(&tag, bytes.data() + ifd0 + 2 + 12 * e, 2);
    if (tag == TIFFTAG_TILEBYTECOUNTS)
      std::memcpy(&counts_at, bytes.data() + ifd0 + 10 + 12 * e, 4);
  }
  ASSERT_NE(counts_at, 0u);
  std::memset(bytes.data() + counts_at, 0, 4);
  FakeFileSystem fs;
  fs.SetFile("/sparse.tif", bytes);
  OpenOptions o;
  o.fs = &fs;
  auto s = Open("/sparse.tif", o);
  ASSERT_TRUE(s);
  auto tile = s->ReadTile(0, 3, 0, 0);
  ASSERT_TRUE(tile.ok()) << tile.status().ToString();
  EXPECT_TRUE(std::all_of(tile->data(), tile->data() + tile->byte_size(),
                          [](uint8_t v) { return v == 0; }));
  EXPECT_TRUE(s->ReadTile(0, 3, 1, 0).ok());
}

TEST(TiffSourceTest, TruncatedJpegTileIsDataLoss) {
  TS_REQUIRE_TESTDATA(path, "small.svs");
  std::string bytes = ReadFile(path);
  // small.svs: IFD 0 at 280 holds one 263-byte JPEG tile; say it has 200 bytes.
  const std::string good_count("\x07\x01\x00\x00", 4);  // 263, little-endian
  size_t at = bytes.find(std::string("\x45\x01\x04\x00\x01\x00\x00\x00", 8) + good_count);
  ASSERT_NE(at, std::string::npos);  // TileByteCounts (325), LONG, count 1, value 263
  bytes[at + 8] = static_cast<char>(200);
  FakeFileSystem fs;
  fs.SetFile("/short.svs", bytes);
  OpenOptions o;
  o.fs = &fs;
  auto s = Open("/short.svs", o);
  ASSERT_TRUE(s);
  auto tile = s->ReadTile(0, 0, 0, 0);
  EXPECT_EQ(tile.status().code(), StatusCode::kDataLoss) << tile.status().ToString();
  EXPECT_NE(tile.status().message().find("truncated"), std::string::npos);
  EXPECT_EQ(s->ReadRawTile(0, 0, 0, 0).status().code(), StatusCode::kDataLoss);
}

// ---- generated files ------------------------------------------------------------------------

class GeneratedTiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveTools({"vips", "tiffcp", "tiffset"})) {
      GTEST_SKIP() << "needs vips, tiffcp and tiffset (libvips-tools, libtiff-tools)";
    }
    rgb_ = MakeRgb(dir_.path(), 300, 200);
  }
  std::string File(const std::string& name) const { return dir_.path() + "/" + name; }
  // Saves the test image with vips tiffsave `options` as `name`.
  std::string Save(const std::string& name, const std::string& options,
                   const std::string& input = "") {
    const std::string out = File(name);
    EXPECT_TRUE(
        Sh("vips tiffsave " + Q(input.empty() ? rgb_ : input) + " " + Q(out) + " " + options));
    return out;
  }
  // Every level of `path`, page k being level levels-1-k, matches vips exactly.
  void ExpectPyramidMatches(const std::string& path, int pages, double tolerance = 0) {
    auto s = Open(path);
    ASSERT_TRUE(s);
    const int top = s->metadata().levels - 1;
    for (int page = 0; page < pages; ++page) {
      ASSERT_TRUE(s->HasLevel(0, top - page)) << path << " page " << page;
      auto ref = VipsLoad(path, page);
      ASSERT_TRUE(ref.ok()) << ref.status().ToString();
      ExpectLevelMatches(*s, 0, top - page, Reinterpret(*ref, s->metadata().dtype), tolerance);
    }
  }

  TempDir dir_;
  std::string rgb_;
};

TEST_F(GeneratedTiffTest, DeepBigTiffPyramid) {
  const std::string path = Save("deep.tif",
                                "--tile --tile-width 32 --tile-height 32 --pyramid --bigtiff "
                                "--compression deflate");
  auto s = Open(path);
  ASSERT_TRUE(s);
  const SourceMetadata& m = s->metadata();
  EXPECT_EQ(m.levels, 5);  // 300 / 32 -> ceil(log2(9.4)) + 1
  EXPECT_EQ(Property(*s, "tessera.bigtiff"), "true");
  int pages = 0;
  while (VipsLoad(path, pages).ok()) ++pages;
  EXPECT_EQ(Property(*s, "tessera.storedLevels"), std::to_string(pages));
  for (int page = 0; page < pages && page < m.levels; ++page) {
    auto ref = VipsLoad(path, page);
    const int level = m.levels - 1 - page;
    EXPECT_EQ(s->GetLevelSize(level).width, ref->width());  // the stored size
    EXPECT_EQ(s->GetLevelSize(level).height, ref->height());
  }
  ExpectPyramidMatches(path, std::min(pages, m.levels));
}

TEST_F(GeneratedTiffTest, FourTimesStepsLandOnTheirLevels) {
  // Like an SVS: full resolution, then 1/4 (and a 1/3 copy that is no large_image level).
  const std::string opts = "--tile --tile-width 32 --tile-height 32 --compression deflate";
  const std::string full = Save("full.tif", opts);
  ASSERT_TRUE(Sh("vips shrink " + Q(rgb_) + " " + Q(File("q.v")) + " 4 4"));
  ASSERT_TRUE(Sh("vips shrink " + Q(rgb_) + " " + Q(File("t.v")) + " 3 3"));
  const std::string quarter = Save("quarter.tif", opts, File("q.v"));
  const std::string third = Save("third.tif", opts, File("t.v"));
  const std::string path = File("steps.tif");
  ASSERT_TRUE(Sh("tiffcp " + Q(full) + " " + Q(quarter) + " " + Q(third) + " " + Q(path)));
  auto s = Open(path);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->metadata().levels, 5);  // 300 / 32 -> ceil(log2(9.4)) + 1
  for (int level = 0; level < 5; ++level) {
    EXPECT_EQ(s->HasLevel(0, level), level == 4 || level == 2) << level;
  }
  EXPECT_EQ(s->GetLevelSize(2).width, 75);
  EXPECT_EQ(Property(*s, "tessera.storedLevels"), "3");
  EXPECT_EQ(s->metadata().frame_count, 1);
  EXPECT_TRUE(s->AssociatedImageNames().empty());
  auto ref = VipsLoad(path, 1);
  ASSERT_TRUE(ref.ok());
  ExpectLevelMatches(*s, 0, 2, *ref, 0);
}

TEST_F(GeneratedTiffTest, BigEndianCopy) {
  const std::string le = Save("le.tif",
                              "--tile --tile-width 64 --tile-height 64 --pyramid "
                              "--compression lzw --predictor horizontal");
  const std::string be = File("be.tif");
  ASSERT_TRUE(Sh("tiffcp -B " + Q(le) + " " + Q(be)));
  auto s = Open(be);
  ASSERT_TRUE(s);
  EXPECT_EQ(Property(*s, "tessera.byteOrder"), "big-endian");
  ExpectPyramidMatches(be, 3);
}

TEST_F(GeneratedTiffTest, BigEndian16BitStripsAndTiles) {
  const std::string u16 = File("u16.v");
  ASSERT_TRUE(Sh("vips linear " + Q(rgb_) + " " + Q(File("f.v")) + " 257 3"));
  ASSERT_TRUE(Sh("vips cast " + Q(File("f.v")) + " " + Q(u16) + " ushort"));
  const std::string stripped = Save("s16.tif", "", u16);
  for (const std::string& opts : {std::string("-B"), std::string("-B -c lzw:2 -t -w 64 -l 64")}) {
    const std::string out = File("be16.tif");
    ASSERT_TRUE(Sh("tiffcp " + opts + " " + Q(stripped) + " " + Q(out)));
    auto s = Open(out);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->metadata().dtype, PixelType::kU16);
    auto ref = VipsLoad(out);
    ASSERT_TRUE(ref.ok());
    ExpectLevelMatches(*s, 0, s->metadata().levels - 1, *ref, 0);
  }
}

TEST_F(GeneratedTiffTest, PlanarSeparateTiledAndStripped) {
  const std::string tiled = Save("t.tif", "--tile --tile-width 64 --tile-height 64");
  // vips does not read tiled separate planes: the reference is the contiguous original.
  auto ref = VipsLoad(tiled);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  for (const std::string& opts :
       {std::string("-p separate -t -w 64 -l 64 -c zip"), std::string("-p separate -c none"),
        std::string("-p separate -c packbits -r 7")}) {
    const std::string out = File("sep.tif");
    ASSERT_TRUE(Sh("tiffcp " + opts + " " + Q(tiled) + " " + Q(out)));
    auto s = Open(out);
    ASSERT_TRUE(s) << opts;
    EXPECT_EQ(Property(*s, "tessera.planarConfig"), "separate");
    EXPECT_EQ(s->metadata().band_count, 3);
    ExpectLevelMatches(*s, 0, s->metadata().levels - 1, *ref, 0);
  }
}

TEST_F(GeneratedTiffTest, LosslessCompressions) {
  struct Case {
    const char* name;
    const char* options;
    const char* compression;
  };
  for (const Case& c : {
           Case{"lzw.tif", "--compression lzw --predictor horizontal", "lzw"},
           Case{"deflate.tif", "--compression deflate --predictor none", "adobe_deflate"},
           Case{"zstd.tif", "--compression zstd", "zstd"},
           Case{"webp.tif", "--compression webp --lossless", "webp"},
           Case{"packbits.tif", "--compression packbits", "packbits"},
           Case{"none.tif", "", "none"},
       }) {
    const std::string path =
        Save(c.name, std::string("--tile --tile-width 64 --tile-height 64 --pyramid ") + c.options);
    auto s = Open(path);
    ASSERT_TRUE(s) << c.name;
    EXPECT_EQ(Property(*s, "tessera.compression"), c.compression);
    ExpectPyramidMatches(path, 3);
  }
}

TEST_F(GeneratedTiffTest, JpegTilesDecodeLikeLibtiff) {
  const std::string path =
      Save("jpeg.tif",
           "--tile --tile-width 64 --tile-height 64 --pyramid --compression jpeg "
           "--Q 85");
  ExpectPyramidMatches(path, 3, /*tolerance=*/3);
  auto s = Open(path);
  ASSERT_TRUE(s);
  auto raw = s->ReadRawTile(0, s->metadata().levels - 1, 4, 3);
  ASSERT_TRUE(raw.ok() && raw->has_value());
  EXPECT_TRUE((*raw)->bytes == IndependentJpegTile(path, 0, 3 * 5 + 4));
  // JPEG strips: virtual tiles, no passthrough.
  const std::string strips = Save("jpeg_strips.tif", "--compression jpeg --Q 85");
  auto st = Open(strips);
  ASSERT_TRUE(st);
  EXPECT_EQ(Property(*st, "tessera.tiled"), "false");
  EXPECT_EQ(Property(*st, "tessera.decoder"), "turbojpeg");
  auto ref = VipsLoad(strips);
  ASSERT_TRUE(ref.ok());
  ExpectLevelMatches(*st, 0, st->metadata().levels - 1, *ref, 3);
  EXPECT_FALSE(st->ReadRawTile(0, st->metadata().levels - 1, 0, 0)->has_value());
}

TEST_F(GeneratedTiffTest, SignedAndWideSampleTypes) {
  struct Case {
    const char* name;
    const char* linear;  // vips linear a b
    const char* format;  // vips cast format
    PixelType type;
  };
  for (const Case& c : {Case{"i8", "1 -128", "char", PixelType::kI8},
                        Case{"i16", "200 -25000", "short", PixelType::kI16},
                        Case{"u16", "257 0", "ushort", PixelType::kU16},
                        Case{"i32", "100000 -12800000", "int", PixelType::kI32},
                        Case{"f32", "0.01 -1", "float", PixelType::kF32}}) {
    const std::string f = File(std::string(c.name) + "_f.v");
    const std::string v = File(std::string(c.name) + ".v");
    ASSERT_TRUE(Sh("vips linear -- " + Q(rgb_) + " " + Q(f) + " " + c.linear));
    ASSERT_TRUE(Sh("vips cast " + Q(f) + " " + Q(v) + " " + c.format));
    const std::string path = Save(std::string(c.name) + ".tif",
                                  "--tile --tile-width 64 --tile-height 64 --pyramid "
                                  "--compression deflate",
                                  v);
    auto s = Open(path);
    ASSERT_TRUE(s) << c.name;
    EXPECT_EQ(s->metadata().dtype, c.type) << c.name;
    ExpectPyramidMatches(path, 2);
  }
}

TEST_F(GeneratedTiffTest, PaletteAndBilevelFallBackToRgba) {
  REQUIRE_TOOLS("tiffmedian", "tiffdither");
  const std::string stripped = Save("rgb.tif", "");
  const std::string palette = File("palette.tif");
  ASSERT_TRUE(Sh("tiffmedian " + Q(stripped) + " " + Q(palette)));
  const std::string grey = File("grey.tif");
  ASSERT_TRUE(Sh("vips colourspace " + Q(rgb_) + " " + Q(File("g.v")) + " b-w"));
  ASSERT_TRUE(Sh("vips tiffsave " + Q(File("g.v")) + " " + Q(grey)));
  const std::string bilevel = File("bilevel.tif");
  ASSERT_TRUE(Sh("tiffdither " + Q(grey) + " " + Q(bilevel)));
  const std::string palette_tiled = File("palette_tiled.tif");
  ASSERT_TRUE(Sh("tiffcp -t -w 64 -l 64 " + Q(palette) + " " + Q(palette_tiled)));
  for (const std::string& path : {palette, palette_tiled, bilevel}) {
    auto s = Open(path);
    ASSERT_TRUE(s) << path;
    EXPECT_EQ(s->metadata().dtype, PixelType::kU8);
    EXPECT_EQ(s->metadata().band_count, 4);
    EXPECT_EQ(Property(*s, "tessera.decoder"), "libtiff-rgba");
    auto ref = VipsLoad(path);
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    ExpectLevelMatches(*s, 0, s->metadata().levels - 1, *ref, 0);
  }
}

TEST_F(GeneratedTiffTest, OmeTiffWithSubIfdPyramids) {
  // Six grey planes (3 channels x 2 Z), each page a pyramid in SubIFDs.
  std::string pages;
  for (int i = 0; i < 6; ++i) {
    const std::string v = File("p" + std::to_string(i) + ".v");
    const std::string t = File("p" + std::to_string(i) + ".tif");
    ASSERT_TRUE(Sh("vips extract_band " + Q(rgb_) + " " + Q(v) + " " + std::to_string(i % 3)));
    ASSERT_TRUE(
        Sh("vips linear " + Q(v) + " " + Q(t) + " 1 " + std::to_string(i * 10) + " --uchar"));
    pages += Q(t) + " ";
  }
  const std::string plain = File("plain.tif");
  ASSERT_TRUE(Sh("tiffcp " + pages + Q(plain)));
  const std::string xml =
      "<?xml version=\"1.0\"?><OME xmlns=\"http://www.openmicroscopy.org/Schemas/OME/2016-06\">"
      "<Image ID=\"Image:0\"><Pixels DimensionOrder=\"XYCZT\" ID=\"Pixels:0\" SizeC=\"3\" "
      "SizeT=\"1\" SizeX=\"300\" SizeY=\"200\" SizeZ=\"2\" Type=\"uint8\" PhysicalSizeX=\"0.25\" "
      "PhysicalSizeY=\"0.5\" PhysicalSizeYUnit=\"nm\"><Channel ID=\"Channel:0:0\" Name=\"DAPI\"/>"
      "<Channel ID=\"Channel:0:1\" Name=\"GFP\"/><Channel ID=\"Channel:0:2\" Name=\"RFP\"/>"
      "<TiffData IFD=\"0\" PlaneCount=\"6\"/></Pixels></Image></OME>";
  ASSERT_TRUE(Sh("tiffset -s 270 " + Q(xml) + " " + Q(plain)));
  const std::string path = File("pyr.ome.tif");
  ASSERT_TRUE(Sh("vips tiffsave " + Q(plain + "[n=-1]") + " " + Q(path) +
                 " --tile --tile-width 64 --tile-height 64 --pyramid --subifd"));
  auto s = Open(path);
  ASSERT_TRUE(s);
  const SourceMetadata& m = s->metadata();
  EXPECT_EQ(Property(*s, "tessera.layout"), "ome");
  ASSERT_EQ(m.frame_count, 6);
  EXPECT_EQ(m.channels, (std::vector<std::string>{"DAPI", "GFP", "RFP"}));
  ASSERT_TRUE(m.mm_x && m.mm_y);
  EXPECT_NEAR(*m.mm_x, 0.25e-3, 1e-12);
  EXPECT_NEAR(*m.mm_y, 0.5e-6, 1e-15);
  EXPECT_NEAR(*m.magnification, 0.01 / 0.25e-3, 1e-6);
  ASSERT_EQ(m.levels, 4);
  for (int f = 0; f < 6; ++f) {
    using Indices = std::vector<std::pair<std::string, int>>;
    EXPECT_EQ(m.frames[f].indices, (Indices{{"IndexC", f % 3}, {"IndexZ", f / 3}})) << f;
    for (int level = 0; level < 4; ++level) {
      ASSERT_TRUE(s->HasLevel(f, level)) << f << " " << level;
      auto ref = level == 3 ? VipsLoad(path, f) : VipsLoad(path, f, false, 2 - level);
      ASSERT_TRUE(ref.ok()) << ref.status().ToString();
      ExpectLevelMatches(*s, f, level, *ref, 0);
    }
  }
}

TEST_F(GeneratedTiffTest, GenericMultiPageFrames) {
  const std::string a = Save("a.tif", "--tile --tile-width 64 --tile-height 64 --pyramid");
  const std::string inverted = File("inv.v");
  ASSERT_TRUE(Sh("vips invert " + Q(rgb_) + " " + Q(inverted)));
  const std::string b =
      Save("b.tif", "--tile --tile-width 64 --tile-height 64 --pyramid", inverted);
  const std::string path = File("pages.tif");
  ASSERT_TRUE(Sh("tiffcp " + Q(a) + " " + Q(b) + " " + Q(path)));
  // large_image_converter's JSON descriptions name the frames' axes and the channels.
  ASSERT_TRUE(
      Sh("tiffset -d 0 -s 270 '{\"frame\": {\"IndexC\": 0}, \"channels\": "
         "[\"dapi\", \"cy5\"]}' " +
         Q(path)));
  ASSERT_TRUE(Sh("tiffset -d 4 -s 270 '{\"frame\": {\"IndexC\": 1}}' " + Q(path)));
  auto s = Open(path);
  ASSERT_TRUE(s);
  const SourceMetadata& m = s->metadata();
  ASSERT_EQ(m.frame_count, 2);
  ASSERT_EQ(m.frames.size(), 2u);
  EXPECT_EQ(m.levels, 4);
  EXPECT_EQ(m.channels, (std::vector<std::string>{"dapi", "cy5"}));
  // a.tif has IFDs 300x200, 150x100, 75x50, 37x25; b.tif follows with the same.
  int pages = 0;
  while (VipsLoad(a, pages).ok()) ++pages;
  ASSERT_EQ(pages, 4);
  for (int f = 0; f < 2; ++f) {
    EXPECT_EQ(m.frames[f].indices, (std::vector<std::pair<std::string, int>>{{"IndexC", f}}));
    for (int k = 0; k < pages; ++k) {
      auto ref = VipsLoad(path, f * pages + k);
      ASSERT_TRUE(ref.ok());
      ExpectLevelMatches(*s, f, 3 - k, *ref, 0);
    }
  }
  // Different pictures: frame 1 is the negative of frame 0.
  auto t0 = s->ReadTile(0, 3, 0, 0);
  auto t1 = s->ReadTile(1, 3, 0, 0);
  ASSERT_TRUE(t0.ok() && t1.ok());
  EXPECT_EQ(static_cast<int>(t0->row(5)[7]) + t1->row(5)[7], 255);
}

TEST_F(GeneratedTiffTest, EveryOrientationMatchesVipsAutorot) {
  const std::string base = Save("o.tif",
                                "--tile --tile-width 64 --tile-height 32 --pyramid "
                                "--compression deflate");
  const std::string stripped = Save("os.tif", "--compression lzw");
  for (int orientation = 1; orientation <= 8; ++orientation) {
    for (const std::string& src : {base, stripped}) {
      const std::string path = File("orient" + std::to_string(orientation) + ".tif");
      ASSERT_TRUE(Sh("cp " + Q(src) + " " + Q(path)));
      int pages = 0;
      while (Sh("tiffset -d " + std::to_string(pages) + " -s 274 " + std::to_string(orientation) +
                " " + Q(path))) {
        ++pages;
      }
      ASSERT_GT(pages, 0);
      auto s = Open(path);
      ASSERT_TRUE(s);
      const SourceMetadata& m = s->metadata();
      const bool swap = orientation >= 5;
      EXPECT_EQ(m.size_x, swap ? 200 : 300) << orientation;
      EXPECT_EQ(m.size_y, swap ? 300 : 200) << orientation;
      const int top = m.levels - 1;
      for (int page = 0; page < pages; ++page) {
        ASSERT_TRUE(s->HasLevel(0, top - page)) << orientation << " page " << page;
        auto ref = VipsLoad(path, page, /*autorotate=*/true);
        ASSERT_TRUE(ref.ok()) << ref.status().ToString();
        ExpectLevelMatches(*s, 0, top - page, *ref, 0);
      }
    }
  }
}

// ---- pure helpers -----------------------------------------------------------------------------

TEST(TiffOrientationTest, StoredRectsRoundTrip) {
  // A 5x3 stored image; each displayed pixel must come from the stored pixel the rect names.
  Image stored(5, 3, 1, PixelType::kU8);
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 5; ++x) stored.row(y)[x] = static_cast<uint8_t>(y * 5 + x);
  }
  for (int o = 1; o <= 8; ++o) {
    Image shown = OrientImage(o, stored);
    const bool swap = OrientationSwapsAxes(o);
    ASSERT_EQ(shown.width(), swap ? 3 : 5);
    for (int y = 0; y < shown.height(); ++y) {
      for (int x = 0; x < shown.width(); ++x) {
        Rect r = StoredRectForDisplayed(o, Rect{x, y, 1, 1}, shown.width(), shown.height());
        ASSERT_EQ(r.width, 1);
        EXPECT_EQ(shown.row(y)[x], stored.row(static_cast<int>(r.y))[r.x]) << o;
      }
    }
  }
}

TEST(OmeMetadataTest, TiffDataPlanesAndUnits) {
  auto ome = ParseOmeXml(
      "<OME><Image><Pixels DimensionOrder=\"XYCZT\" SizeC=\"2\" SizeZ=\"3\" SizeT=\"1\" "
      "PhysicalSizeX=\"1.5\" PhysicalSizeXUnit=\"mm\"><Channel Name=\"a\"/><Channel Name=\"b\"/>"
      "<TiffData IFD=\"4\" FirstZ=\"1\" PlaneCount=\"4\"/><TiffData IFD=\"0\" PlaneCount=\"2\"/>"
      "</Pixels></Image></OME>");
  ASSERT_TRUE(ome);
  ASSERT_EQ(ome->planes.size(), 6u);
  EXPECT_EQ(ome->planes[0].ifd, 4);
  EXPECT_EQ(ome->planes[0].z, 1);
  EXPECT_EQ(ome->planes[1].c, 1);
  EXPECT_EQ(ome->planes[4].ifd, 0);
  EXPECT_EQ(ome->axes, (std::vector<std::string>{"C", "Z"}));
  EXPECT_EQ(ome->channel_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_DOUBLE_EQ(*ome->mm_x, 1.5);
  EXPECT_FALSE(ome->mm_y);
  EXPECT_FALSE(
      ParseOmeXml("<OME><Image><Pixels SizeC=\"2\"><TiffData IFD=\"0\"/></Pixels>"
                  "</Image></OME>"));  // one plane of two
  EXPECT_FALSE(ParseOmeXml("Aperio Image Library"));
}

TEST(OmeMetadataTest, AperioAndAssociatedNames) {
  auto a = ParseAperioDescription("Aperio Image Library v1\nx|AppMag = 40|MPP = 0.25|Date = 1");
  ASSERT_TRUE(a);
  EXPECT_DOUBLE_EQ(*a->magnification, 40);
  EXPECT_DOUBLE_EQ(*a->mm_per_pixel, 0.00025);
  EXPECT_EQ(a->pairs.size(), 3u);
  EXPECT_EQ(AssociatedImageName("Aperio Image Library v11\nlabel 387x463", 0), "label");
  EXPECT_EQ(AssociatedImageName("macro", 0), "macro");
  EXPECT_EQ(AssociatedImageName("", 1), "label");
  EXPECT_EQ(AssociatedImageName("", 9), "macro");
  EXPECT_EQ(AssociatedImageName("a-b c", 0), "");
  EXPECT_EQ(AssociatedImageName("abc", 0), "");
}

}  // namespace
}  // namespace tessera
