#include "source/openslide_source.h"

#include <gtest/gtest.h>
#include <tiffio.h>
#include <vips/vips.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "testing/reference.h"
#include "testing/temp_dir.h"
#include "testing/testdata.h"

namespace tessera {
namespace {

std::string PropertyOf(const SourceMetadata& m, const std::string& key) {
  for (const auto& [k, v] : m.properties) {
    if (k == key) return v;
  }
  return "<missing>";
}

StatusOr<std::unique_ptr<TileSource>> Open(const std::string& path) {
  return OpenSlideFormat().open(path, OpenOptions());
}

int Probe(const std::string& path) { return OpenSlideFormat().probe(path, ""); }

// Compares tile (tx, ty) of `level` with the same pixels of `ref` (libvips' openslideload of the
// matching OpenSlide level), inside the level's extent.
void ExpectTileMatches(const TileSource& s, int level, int64_t tx, int64_t ty, const Image& ref) {
  const int tw = s.metadata().tile_width;
  const int th = s.metadata().tile_height;
  auto tile = s.ReadTile(0, level, tx, ty);
  ASSERT_TRUE(tile.ok()) << tile.status().ToString();
  ASSERT_EQ(tile->width(), tw);
  ASSERT_EQ(tile->height(), th);
  ASSERT_EQ(tile->bands(), 4);
  const LevelSize size = s.GetLevelSize(level);
  ASSERT_EQ(size.width, ref.width());
  ASSERT_EQ(size.height, ref.height());
  const int w = static_cast<int>(std::min<int64_t>(tw, size.width - tx * tw));
  const int h = static_cast<int>(std::min<int64_t>(th, size.height - ty * th));
  Image want = ref.Crop(Rect{tx * tw, ty * th, tw, th});
  // libvips shows pixels OpenSlide leaves fully transparent as opaque white (no
  // openslide.background-color in these files); we keep them transparent, like large_image.
  Image got = tile->Clone();
  for (int y = 0; y < got.height(); ++y) {
    uint8_t* r = got.row(y);
    for (int x = 0; x < got.width(); ++x) {
      if (r[x * 4 + 3] == 0) std::memset(r + x * 4, 255, 4);
    }
  }
  Diff d = CompareImages(got, want, w, h, 4);
  EXPECT_EQ(d.max_abs, 0) << "level " << level << " tile " << tx << "," << ty << " mean diff "
                          << d.mean_abs;
}

// OpenSlide level `level` through libvips' openslideload (independent of our code), RGBA.
// (testing/reference.h's VipsLoad does not select the "level" option for OpenSlide files:
// libvips names the loader "VipsForeignLoadOpenslideFile".)
StatusOr<Image> VipsOpenSlideLevel(const std::string& path, int level) {
  if (VIPS_INIT("openslide_source_test") != 0) return InternalError("vips init");
  VipsImage* img = nullptr;
  if (vips_openslideload(path.c_str(), &img, "level", level, nullptr) != 0) {
    std::string msg = vips_error_buffer();
    vips_error_clear();
    return InternalError("vips openslideload: " + msg);
  }
  size_t size = 0;
  void* mem = vips_image_write_to_memory(img, &size);
  Image out(vips_image_get_width(img), vips_image_get_height(img), vips_image_get_bands(img),
            PixelType::kU8);
  const bool uchar = vips_image_get_format(img) == VIPS_FORMAT_UCHAR;
  g_object_unref(img);
  if (!mem || !uchar || size != out.byte_size()) {
    g_free(mem);
    return InternalError("unexpected openslideload output");
  }
  std::memcpy(out.data(), mem, size);
  g_free(mem);
  return out;
}

// The size of an associated image from libvips' openslideload header (independent of our
// code). libvips 8.14.1 crashes when it reads associated pixels, so only the header is used.
StatusOr<std::pair<int, int>> VipsAssociatedSize(const std::string& path, const std::string& name) {
  if (VIPS_INIT("openslide_source_test") != 0) return InternalError("vips init");
  VipsImage* img = vips_image_new_from_file(path.c_str(), "associated", name.c_str(), nullptr);
  if (!img) {
    vips_error_clear();
    return InternalError("vips cannot load associated image " + name);
  }
  std::pair<int, int> size{vips_image_get_width(img), vips_image_get_height(img)};
  g_object_unref(img);
  return size;
}

// Opaque and not a flat colour: real pixels came back.
void ExpectOpaqueContent(const Image& img) {
  ASSERT_EQ(img.bands(), 4);
  bool varied = false;
  for (int y = 0; y < img.height(); ++y) {
    const uint8_t* r = img.row(y);
    for (int x = 0; x < img.width(); ++x) {
      ASSERT_EQ(r[x * 4 + 3], 255) << x << "," << y;
      varied = varied || std::memcmp(r + x * 4, img.row(0), 3) != 0;
    }
  }
  EXPECT_TRUE(varied);
}

TEST(OpenSlideSourceTest, NdpiMetadata) {
  TS_REQUIRE_TESTDATA(path, "test3-TRITC-2-560.ndpi");
  EXPECT_EQ(Probe(path), 100);
  auto source = Open(path);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const TileSource& s = **source;
  const SourceMetadata& m = s.metadata();
  EXPECT_EQ(s.format_name(), "openslide");
  EXPECT_EQ(m.size_x, 3968);
  EXPECT_EQ(m.size_y, 4864);
  // NDPI's 3968x8 strips have an extreme aspect ratio: large_image falls back to 256.
  EXPECT_EQ(m.tile_width, 256);
  EXPECT_EQ(m.tile_height, 256);
  EXPECT_EQ(m.levels, 6);
  EXPECT_EQ(m.band_count, 4);
  EXPECT_EQ(m.dtype, PixelType::kU8);
  ASSERT_TRUE(m.magnification.has_value());
  EXPECT_DOUBLE_EQ(*m.magnification, 40);
  ASSERT_TRUE(m.mm_x.has_value() && m.mm_y.has_value());
  EXPECT_NEAR(*m.mm_x, 0.000228, 5e-7);
  EXPECT_NEAR(*m.mm_y, 0.000228, 5e-7);
  EXPECT_EQ(PropertyOf(m, "openslide.vendor"), "hamamatsu");
  EXPECT_EQ(PropertyOf(m, "hamamatsu.SourceLens"), "40");
  EXPECT_EQ(PropertyOf(m, "tiff.Software"), "NDP.scan 2.5.89");
  EXPECT_EQ(PropertyOf(m, "tessera.storedLevels"), "0,1,2,3,4,5");
  for (int z = 0; z < 6; ++z) EXPECT_TRUE(s.HasLevel(0, z)) << z;
  EXPECT_FALSE(s.HasLevel(1, 5));
  EXPECT_EQ(s.GetLevelSize(0).width, 124);
  EXPECT_EQ(s.GetLevelSize(0).height, 152);

  auto names = s.AssociatedImageNames();
  ASSERT_NE(std::find(names.begin(), names.end(), "macro"), names.end());
  auto macro = s.ReadAssociatedImage("macro");
  ASSERT_TRUE(macro.ok()) << macro.status().ToString();
  EXPECT_EQ(macro->bands(), 4);
  auto ref = VipsAssociatedSize(path, "macro");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(macro->width(), ref->first);
  EXPECT_EQ(macro->height(), ref->second);
  ExpectOpaqueContent(*macro);
  EXPECT_EQ(s.ReadAssociatedImage("label").status().code(), StatusCode::kNotFound);
}

TEST(OpenSlideSourceTest, NdpiTilesMatchLibvipsAtSeveralLevels) {
  TS_REQUIRE_TESTDATA(path, "test3-TRITC-2-560.ndpi");
  auto source = Open(path);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const TileSource& s = **source;
  // large_image level z is OpenSlide level 5 - z here.
  struct Case {
    int level;
    std::vector<std::pair<int, int>> tiles;
  };
  std::vector<Case> cases = {
      {5, {{0, 0}, {7, 9}, {15, 18}, {15, 0}}},  // full resolution, incl. partial edge tiles
      {3, {{0, 0}, {1, 2}, {3, 4}}},
      {1, {{0, 0}}},
      {0, {{0, 0}}},
  };
  for (const Case& c : cases) {
    auto ref = VipsOpenSlideLevel(path, 5 - c.level);
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    ASSERT_EQ(ref->bands(), 4);
    for (auto [x, y] : c.tiles) ExpectTileMatches(s, c.level, x, y, *ref);
  }
  EXPECT_EQ(s.ReadTile(0, 5, 16, 0).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(s.ReadTile(0, 6, 0, 0).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(s.ReadTile(1, 5, 0, 0).status().code(), StatusCode::kOutOfRange);
}

TEST(OpenSlideSourceTest, AperioOpensThroughTheFallbackPath) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  EXPECT_EQ(Probe(path), 10);  // libtiff's reader (50) is preferred
  auto source = Open(path);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const TileSource& s = **source;
  const SourceMetadata& m = s.metadata();
  EXPECT_EQ(m.size_x, 2220);
  EXPECT_EQ(m.size_y, 2967);
  EXPECT_EQ(m.tile_width, 240);
  EXPECT_EQ(m.tile_height, 240);
  EXPECT_EQ(m.levels, 5);
  ASSERT_TRUE(m.magnification.has_value());
  EXPECT_DOUBLE_EQ(*m.magnification, 20);
  EXPECT_NEAR(*m.mm_x, 0.000499, 1e-9);
  // One stored level: the rest are synthesized by the tile service.
  EXPECT_TRUE(s.HasLevel(0, 4));
  for (int z = 0; z < 4; ++z) EXPECT_FALSE(s.HasLevel(0, z)) << z;
  EXPECT_EQ(s.ReadTile(0, 3, 0, 0).status().code(), StatusCode::kOutOfRange);
  auto names = s.AssociatedImageNames();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"label", "macro", "thumbnail"}));
  for (const std::string& name : names) {
    auto image = s.ReadAssociatedImage(name);
    ASSERT_TRUE(image.ok()) << image.status().ToString();
    auto size = VipsAssociatedSize(path, name);
    ASSERT_TRUE(size.ok()) << size.status().ToString();
    EXPECT_EQ(image->width(), size->first) << name;
    EXPECT_EQ(image->height(), size->second) << name;
    ExpectOpaqueContent(*image);
  }

  auto ref = VipsOpenSlideLevel(path, 0);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  for (auto [x, y] : std::vector<std::pair<int, int>>{{0, 0}, {4, 6}, {9, 12}, {9, 0}, {0, 12}}) {
    ExpectTileMatches(s, 4, x, y, *ref);
  }
}

TEST(OpenSlideSourceTest, GenericTiffWithInexactDownsamples) {
  // 300x250 / 150x125 / 75x62 / 37x31: downsamples 1, 2, 4.016, 8.09 are all within
  // large_image's nearPowerOfTwo tolerance, so every level is stored.
  TS_REQUIRE_TESTDATA(path, "boxes.tiff");
  EXPECT_EQ(Probe(path), 10);
  auto source = Open(path);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const TileSource& s = **source;
  EXPECT_EQ(s.metadata().tile_width, 64);
  EXPECT_EQ(s.metadata().levels, 4);
  EXPECT_EQ(PropertyOf(s.metadata(), "tessera.storedLevels"), "0,1,2,3");
  EXPECT_EQ(s.GetLevelSize(0).width, 37);
  EXPECT_EQ(s.GetLevelSize(1).height, 62);
  // (No pixel comparison: OpenSlide 3.4.1 with libtiff 4.5 mis-decodes this file's tiles that
  // are larger than their level -- libtiff warns "raster width adapted" -- so neither our read
  // nor libvips' is a meaningful reference there.)
  for (int z = 0; z < 4; ++z) {
    auto tile = s.ReadTile(0, z, 0, 0);
    ASSERT_TRUE(tile.ok()) << tile.status().ToString();
    EXPECT_EQ(tile->width(), 64);
    EXPECT_EQ(tile->bands(), 4);
  }
  EXPECT_EQ(s.ReadTile(0, 3, 5, 0).status().code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(s.ReadTile(0, 3, 4, 3).ok());
}

TEST(OpenSlideSourceTest, NonSlidesAndBrokenSlidesFailCleanly) {
  TS_REQUIRE_TESTDATA(jpg, "sample.jpg");
  EXPECT_EQ(Probe(jpg), 0);
  auto not_slide = Open(jpg);
  ASSERT_FALSE(not_slide.ok());
  EXPECT_EQ(not_slide.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(not_slide.status().message().find(jpg), std::string::npos);

  EXPECT_EQ(Open("/nonexistent/slide.ndpi").status().code(), StatusCode::kNotFound);

  TS_REQUIRE_TESTDATA(unopenable, "unopenable.tiff");
  auto u = Open(unopenable);
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find(unopenable), std::string::npos);
  EXPECT_NE(u.status().message().find("52479"), std::string::npos) << u.status().message();

  // Opens in OpenSlide, but the first pixel cannot be decoded (large_image refuses it too).
  TS_REQUIRE_TESTDATA(unreadable, "unreadable.svs");
  auto r = Open(unreadable);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find(unreadable), std::string::npos);
}

TEST(OpenSlideSourceTest, HandleInErrorStaysDead) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  // Copy the slide and corrupt the JPEG stream of full-resolution tile 12 (x=2, y=1).
  uint64_t offset = 0;
  {
    TIFF* tif = TIFFOpen(path.c_str(), "r");
    ASSERT_NE(tif, nullptr);
    uint64_t* offsets = nullptr;
    ASSERT_EQ(TIFFGetField(tif, TIFFTAG_TILEOFFSETS, &offsets), 1);
    offset = offsets[12];
    TIFFClose(tif);
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string bytes = ss.str();
  ASSERT_LT(offset + 6, bytes.size());
  std::memcpy(&bytes[offset + 2], "\xFF\xC4\x00\x01", 4);  // DHT with a bogus length
  TempDir dir;
  const std::string copy = dir.path() + "/corrupt.svs";
  std::ofstream(copy, std::ios::binary) << bytes;

  auto source = Open(copy);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const TileSource& s = **source;
  ASSERT_TRUE(s.ReadTile(0, 4, 0, 0).ok());
  auto bad = s.ReadTile(0, 4, 2, 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find(copy), std::string::npos) << bad.status().message();
  // OpenSlide handles do not recover: later reads fail too, naming the file.
  auto after = s.ReadTile(0, 4, 0, 0);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(after.status().message().find(copy), std::string::npos);
  EXPECT_EQ(s.ReadAssociatedImage("label").status().code(), StatusCode::kDataLoss);
}

TEST(OpenSlideSourceTest, ConcurrentReadsFromEightThreads) {
  TS_REQUIRE_TESTDATA(path, "test3-TRITC-2-560.ndpi");
  auto source = Open(path);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const TileSource& s = **source;
  // Tiles of three levels, read once serially.
  std::vector<std::tuple<int, int, int>> tiles;
  for (int y = 0; y < 5; ++y) {
    for (int x = 0; x < 4; ++x) tiles.emplace_back(3, x, y);
  }
  for (int i = 0; i < 8; ++i) tiles.emplace_back(4, i, i);
  for (int i = 0; i < 4; ++i) tiles.emplace_back(5, i * 4 + 1, i * 4);
  std::vector<Image> expected;
  for (auto [z, x, y] : tiles) {
    auto t = s.ReadTile(0, z, x, y);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    expected.push_back(std::move(t).value());
  }
  constexpr int kThreads = 8;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t k = 0; k < tiles.size(); ++k) {
        size_t i = (k * 7 + static_cast<size_t>(t) * 13) % tiles.size();  // different orders
        auto [z, x, y] = tiles[i];
        auto tile = s.ReadTile(0, z, x, y);
        if (!tile.ok() || !(*tile == expected[i])) ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace tessera
