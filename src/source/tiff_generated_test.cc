// Tests of the tiff format on files generated at test time with the Debian command-line tools
// (vips, tiffcp, tiffset...); pixels compared with libvips. Tests skip without the tools.
#include "source/registry.h"
#include "source/tiff_test_util.h"

namespace tessera {
namespace {

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

// The level and frame limits (OpenOptions, max-levels / max-frames) refuse a file on open,
// whatever the format, with the limit's name; within them it opens.
TEST_F(GeneratedTiffTest, LevelAndFrameLimitsAreCheckedOnOpen) {
  const std::string a = Save("a.tif", "--tile --tile-width 64 --tile-height 64 --pyramid");
  const std::string path = File("pages.tif");
  ASSERT_TRUE(Sh("tiffcp " + Q(a) + " " + Q(a) + " " + Q(a) + " " + Q(path)));
  const FormatRegistry registry = FormatRegistry::Default();
  OpenOptions options;
  auto opened = registry.Open(path, options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  ASSERT_EQ((*opened)->metadata().frame_count, 3);
  ASSERT_EQ((*opened)->metadata().levels, 4);

  options.max_frames = 2;
  auto frames = registry.Open(path, options);
  EXPECT_EQ(frames.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(frames.status().message().find("3 frames"), std::string::npos)
      << frames.status().ToString();
  EXPECT_NE(frames.status().message().find("max-frames"), std::string::npos);

  options.max_frames = 3;
  options.max_levels = 3;
  auto levels = registry.Open(path, options);
  EXPECT_EQ(levels.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(levels.status().message().find("4 levels"), std::string::npos)
      << levels.status().ToString();
  // A flat image (libvips) is held to the same limits.
  options.max_levels = 1;
  const std::string png = File("flat.png");
  ASSERT_TRUE(Sh("vips copy " + Q(rgb_) + " " + Q(png)));
  auto flat = registry.Open(png, options);
  EXPECT_EQ(flat.status().code(), StatusCode::kResourceExhausted) << flat.status().ToString();
  options.max_levels = 2;
  EXPECT_TRUE(registry.Open(png, options).ok());
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

}  // namespace
}  // namespace tessera
