// Tests of the tiff format. Pixels are always compared with an independent decoder (libvips,
// through libtiff or OpenSlide), never with this reader itself. Real files come from the shared
// test data folder (tests skip without it); more are generated at test time with the Debian
// command-line tools (vips, tiffcp, tiffset, tiffmedian, tiffdither; tests skip without them).
#include "source/tiff_test_util.h"

namespace tessera {
namespace {

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

TEST(TiffSourceTest, NoWaitReadsServeFromThePageCacheOnly) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  auto s = Open(path);
  ASSERT_TRUE(s);
  auto blocking = s->ReadRawTile(0, 4, 2, 3);  // brings the bytes into the page cache
  ASSERT_TRUE(blocking.ok() && blocking->has_value());
  auto no_wait = s->ReadRawTileNoWait(0, 4, 2, 3);
  ASSERT_TRUE(no_wait.ok()) << no_wait.status().ToString();
  EXPECT_EQ((*no_wait)->bytes, (*blocking)->bytes);
  // A file system that cannot tell (the fake) always says it would block.
  FakeFileSystem fs;
  fs.SetFile("/a.svs", ReadFile(path));
  OpenOptions options;
  options.fs = &fs;
  auto fake = Open("/a.svs", options);
  ASSERT_TRUE(fake);
  EXPECT_TRUE(IsWouldBlock(fake->ReadRawTileNoWait(0, 4, 2, 3).status()));
  EXPECT_TRUE(fake->ReadRawTile(0, 4, 2, 3).ok());
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

}  // namespace
}  // namespace tessera
