#include "tiles/tiled_tiff_writer.h"

#include <gtest/gtest.h>
#include <tiffio.h>

#include <cmath>
#include <memory>

#include "cache/memory_tile_cache.h"
#include "cache/source_cache.h"
#include "testing/images.h"
#include "testing/reference.h"
#include "testing/temp_dir.h"
#include "testing/tiff_ifds.h"

namespace tessera {
namespace {

// What libtiff (not our writer) says about one IFD.

PixelReader CropOf(const Image& img) {
  return [&img](const Rect& r) -> StatusOr<Image> { return img.Crop(r); };
}

// Checks geometry of every level, that level 0 is `img` within `tol0`, and that level j is a
// 2^j box downsample of `img` (libvips shrink) within `tolj` per level.
void CheckPyramid(const std::string& path, const Image& img, double tol0, double tolj) {
  std::vector<TiffIfd> ifds = ReadTiffIfds(path);
  ASSERT_FALSE(ifds.empty());
  int64_t w = img.width(), h = img.height();
  for (size_t j = 0; j < ifds.size(); ++j) {
    SCOPED_TRACE("level " + std::to_string(j));
    EXPECT_EQ(ifds[j].width, w);
    EXPECT_EQ(ifds[j].height, h);
    EXPECT_EQ(ifds[j].tile_w, 256u);
    EXPECT_EQ(ifds[j].tile_h, 256u);
    EXPECT_EQ(ifds[j].subfile, j == 0 ? 0u : static_cast<uint32_t>(FILETYPE_REDUCEDIMAGE));
    auto level = VipsLoad(path, static_cast<int>(j));
    ASSERT_TRUE(level.ok()) << level.status().ToString();
    ASSERT_EQ(level->width(), w);
    ASSERT_EQ(level->height(), h);
    if (j == 0) {
      Diff d = CompareImages(*level, img, img.width(), img.height(), img.bands());
      EXPECT_LE(d.max_abs, tol0);
    } else {
      auto want = VipsShrink(img, std::exp2(j), std::exp2(j));
      ASSERT_TRUE(want.ok());
      // Whole 2^j x 2^j blocks only: the two treat a partial block at the edge differently.
      const int cw = std::min<int>(want->width(), img.width() >> j);
      const int chh = std::min<int>(want->height(), img.height() >> j);
      Diff d = CompareImages(*level, *want, cw, chh, img.bands());
      EXPECT_LE(d.max_abs, tolj * (j + 1)) << "mean " << d.mean_abs;
    }
    if (w <= 256 && h <= 256) {
      EXPECT_EQ(j + 1, ifds.size()) << "the pyramid ends at one tile";
    }
    w = (w + 1) / 2;
    h = (h + 1) / 2;
  }
}

TEST(TiledTiffWriterTest, LosslessPyramidKeepsTheSampleType) {
  TempDir dir;
  struct Case {
    PixelType type;
    int bands;
    TiffCompression c;
  };
  for (Case c : {Case{PixelType::kU16, 4, TiffCompression::kLzw},
                 Case{PixelType::kF32, 1, TiffCompression::kDeflate},
                 Case{PixelType::kI8, 2, TiffCompression::kNone},
                 Case{PixelType::kU8, 3, TiffCompression::kZstd}}) {
    SCOPED_TRACE(std::string(PixelTypeName(c.type)));
    Image img = Noise(700, 530, c.bands, c.type, 5);
    const std::string path = dir.path() + "/lossless.tif";
    TiledTiffOptions o;
    o.compression = c.c;
    auto info =
        WriteTiledTiff(path, img.width(), img.height(), img.bands(), img.type(), o, CropOf(img));
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->levels, 3);  // 700x530, 350x265, 175x133
    EXPECT_FALSE(info->bigtiff);
    std::vector<TiffIfd> ifds = ReadTiffIfds(path);
    ASSERT_EQ(ifds.size(), 3u);
    EXPECT_EQ(ifds[0].bits, 8 * BytesPerSample(c.type));
    EXPECT_EQ(ifds[0].samples, c.bands);
    EXPECT_EQ(ifds[0].format, c.type == PixelType::kF32  ? SAMPLEFORMAT_IEEEFP
                              : c.type == PixelType::kI8 ? SAMPLEFORMAT_INT
                                                         : SAMPLEFORMAT_UINT);
    // Box averages of 2x2 blocks, cascaded: within rounding of a direct 2^j box for integers.
    CheckPyramid(path, img, 0, c.type == PixelType::kF32 ? 1e-2 : 1);
  }
}

TEST(TiledTiffWriterTest, JpegRgbPyramid) {
  TempDir dir;
  Image img = Smooth(1300, 900, 3);
  const std::string path = dir.path() + "/jpeg.tif";
  TiledTiffOptions o;  // JPEG q95 by default
  auto info = WriteTiledTiff(path, 1300, 900, 3, PixelType::kU8, o, CropOf(img));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->levels, 4);  // 1300, 650, 325, 163
  std::vector<TiffIfd> ifds = ReadTiffIfds(path);
  ASSERT_EQ(ifds.size(), 4u);
  EXPECT_EQ(ifds[0].compression, COMPRESSION_JPEG);
  EXPECT_EQ(ifds[0].photometric, PHOTOMETRIC_YCBCR);
  CheckPyramid(path, img, 12, 8);
}

TEST(TiledTiffWriterTest, JpegTakesEightBitColourOnly) {
  TempDir dir;
  Image img(300, 200, 4, PixelType::kU16);
  for (int y = 0; y < 200; ++y)
    for (int x = 0; x < 300; ++x)
      for (int b = 0; b < 4; ++b) img.row_as<uint16_t>(y)[x * 4 + b] = (100 + 50 * b) * 256;
  const std::string path = dir.path() + "/j16.tif";
  auto info = WriteTiledTiff(path, 300, 200, 4, PixelType::kU16, TiledTiffOptions{}, CropOf(img));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->bands, 3);
  EXPECT_EQ(info->type, PixelType::kU8);
  auto back = VipsLoad(path, 0);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->bands(), 3);
  for (int b = 0; b < 3; ++b) EXPECT_NEAR(back->row(100)[150 * 3 + b], 100 + 50 * b, 2);
}

TEST(TiledTiffWriterTest, BigTiffOnRequestAndErrorsPassThrough) {
  TempDir dir;
  Image img = Noise(300, 300, 1, PixelType::kU8);
  const std::string path = dir.path() + "/big.tif";
  TiledTiffOptions o;
  o.compression = TiffCompression::kNone;
  o.bigtiff = true;
  auto info = WriteTiledTiff(path, 300, 300, 1, PixelType::kU8, o, CropOf(img));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(info->bigtiff);
  FILE* f = std::fopen(path.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  unsigned char magic[4] = {0};
  ASSERT_EQ(std::fread(magic, 1, 4, f), 4u);
  std::fclose(f);
  EXPECT_EQ(magic[2], 43);  // BigTIFF
  CheckPyramid(path, img, 0, 1);

  auto failing = [](const Rect&) -> StatusOr<Image> { return DataLossError("corrupt tile 3"); };
  auto bad = WriteTiledTiff(path, 300, 300, 1, PixelType::kU8, o, failing);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "corrupt tile 3");
  EXPECT_FALSE(WriteTiledTiff(path, 0, 10, 1, PixelType::kU8, o, CropOf(img)).ok());
  EXPECT_FALSE(
      WriteTiledTiff(dir.path() + "/no/such/dir.tif", 10, 10, 1, PixelType::kU8, o, CropOf(img))
          .ok());
}

TEST(TiledTiffWriterTest, ResampleWeightsArePils) {
  // Scale 1: every filter is the identity.
  for (auto f : {ResampleFilter::kLinear, ResampleFilter::kCubic, ResampleFilter::kLanczos3}) {
    AxisWeights w = ResampleWeights(10, 10, 0, 10, f);
    for (int i = 0; i < 10; ++i) {
      double at = 0, other = 0;
      for (size_t k = 0; k < w.weights[i].size(); ++k) {
        (w.start[i] + static_cast<int64_t>(k) == i ? at : other) += std::fabs(w.weights[i][k]);
      }
      EXPECT_NEAR(at, 1, 1e-12);
      EXPECT_NEAR(other, 0, 1e-12);
    }
  }
  // Halving with a triangle: output i reads inputs 2i-1 .. 2i+2 with weights 1/8, 3/8, 3/8, 1/8.
  AxisWeights w = ResampleWeights(20, 10, 3, 4, ResampleFilter::kLinear);
  ASSERT_EQ(w.start.size(), 1u);
  EXPECT_EQ(w.start[0], 5);
  ASSERT_EQ(w.weights[0].size(), 4u);
  EXPECT_NEAR(w.weights[0][0], 0.125, 1e-12);
  EXPECT_NEAR(w.weights[0][1], 0.375, 1e-12);
  // Nearest: floor((i + 0.5) * scale).
  w = ResampleWeights(10, 4, 0, 4, ResampleFilter::kNearest);
  EXPECT_EQ(w.start, (std::vector<int64_t>{1, 3, 6, 8}));
}

// A source over an in-memory image; only full resolution is stored.
class ImageSource final : public TileSource {
 public:
  explicit ImageSource(std::shared_ptr<const Image> img) : img_(std::move(img)) {
    m_.size_x = img_->width();
    m_.size_y = img_->height();
    m_.tile_width = m_.tile_height = 128;
    m_.levels = LevelCount(m_.size_x, m_.size_y, 128, 128);
    m_.band_count = img_->bands();
    m_.dtype = img_->type();
    m_.mm_x = m_.mm_y = 0.001;
  }
  std::string_view format_name() const override { return "image"; }
  const SourceMetadata& metadata() const override { return m_; }
  bool HasLevel(int, int level) const override { return level == m_.levels - 1; }
  StatusOr<Image> ReadTile(int, int, int64_t x, int64_t y) const override {
    return img_->Crop(Rect{x * 128, y * 128, 128, 128});
  }

 private:
  std::shared_ptr<const Image> img_;
  SourceMetadata m_;
};

class TiledRegionTest : public ::testing::Test {
 protected:
  TiledRegionTest() : cache_(64 << 20), sources_(SourceCacheLimits{}) {}
  TiledRegion Region(std::shared_ptr<const Image> img, const RegionSpec& spec) {
    TiledRegion g;
    g.tiles = &service_;
    g.ref.key = "img";
    g.ref.open = [img]() -> StatusOr<std::unique_ptr<TileSource>> {
      return std::unique_ptr<TileSource>(std::make_unique<ImageSource>(img));
    };
    auto s = service_.GetSource(g.ref);
    EXPECT_TRUE(s.ok());
    g.source = *s;
    auto plan = PlanRegion(*g.source, spec);
    EXPECT_TRUE(plan.ok());
    g.plan = *plan;
    return g;
  }
  FormatRegistry registry_;
  MemoryTileCache cache_;
  SourceCache sources_;
  TileService service_{registry_, cache_, sources_};
  TempDir dir_;
};

TEST_F(TiledRegionTest, UnscaledRegionIsTheSourcePixels) {
  auto img = std::make_shared<const Image>(Noise(900, 700, 3, PixelType::kU8, 9));
  RegionSpec spec;
  spec.left = 37;
  spec.top = 301;
  spec.right = 850;
  TiledRegion g = Region(img, spec);
  TiledTiffOptions o;
  o.compression = TiffCompression::kLzw;
  const std::string path = dir_.path() + "/r.tif";
  auto info = WriteTiledRegion(path, g, o);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  auto back = VipsLoad(path, 0);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->width(), 813);
  ASSERT_EQ(back->height(), 399);
  Image want = img->Crop(Rect{37, 301, 813, 399});
  EXPECT_EQ(CompareImages(*back, want, 813, 399, 3).max_abs, 0);
}

TEST_F(TiledRegionTest, ScaledRegionIsSeamlessAndLetterboxed) {
  // A float ramp: any normalized resampling filter of a linear function gives the function at
  // the output pixel's centre (away from the borders), so seams between blocks would show.
  auto img = std::make_shared<Image>(2300, 1500, 1, PixelType::kF32);
  for (int y = 0; y < 1500; ++y)
    for (int x = 0; x < 2300; ++x) img->row_as<float>(y)[x] = 0.5f * x + 0.25f * y;
  RegionSpec spec;
  spec.max_width = 1100;  // 2300 -> level of 1150 px, reduced to 1100 (Lanczos)
  TiledRegion g = Region(img, spec);
  ASSERT_EQ(g.plan.rect.width, 1150);
  ASSERT_EQ(g.plan.out_width, 1100);
  g.fill = Rgba{255, 255, 255, 255};
  g.canvas_width = 1100;
  g.canvas_height = 800;
  TiledTiffOptions o;
  o.compression = TiffCompression::kNone;
  const std::string path = dir_.path() + "/s.tif";
  auto info = WriteTiledRegion(path, g, o);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  auto back = VipsLoad(path, 0);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->width(), 1100);
  ASSERT_EQ(back->height(), 800);
  const int out_h = g.plan.out_height;  // 717
  const int oy = (800 - out_h) / 2;
  const double sx = 1150.0 / 1100, sy = static_cast<double>(g.plan.rect.height) / out_h;
  double worst = 0;
  for (int y = 6; y < out_h - 6; ++y) {
    for (int x = 6; x < 1094; ++x) {
      // Level pixel (u, v) averages full-resolution pixels 2u, 2u+1: the ramp at 2u + 0.5.
      const double u = (x + 0.5) * sx - 0.5, v = (y + 0.5) * sy - 0.5;
      const double want = 0.5 * (2 * u + 0.5) + 0.25 * (2 * v + 0.5);
      worst = std::max(worst, std::fabs(back->row_as<float>(y + oy)[x] - want));
    }
  }
  EXPECT_LT(worst, 0.05);
  EXPECT_EQ(back->row_as<float>(0)[500], 1.0f);  // white on float data is 1.0
  EXPECT_EQ(back->row_as<float>(799)[10], 1.0f);
}

}  // namespace
}  // namespace tessera
