#include "tiles/region.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

// Geometry only: a source with metadata and no pixels.
class ShapeSource final : public TileSource {
 public:
  ShapeSource(int64_t w, int64_t h, int tile, std::optional<double> mag = std::nullopt,
              std::optional<double> mm = std::nullopt) {
    m_.size_x = w;
    m_.size_y = h;
    m_.tile_width = m_.tile_height = tile;
    m_.levels = LevelCount(w, h, tile, tile);
    m_.magnification = mag;
    m_.mm_x = m_.mm_y = mm;
  }
  std::string_view format_name() const override { return "shape"; }
  const SourceMetadata& metadata() const override { return m_; }
  bool HasLevel(int, int) const override { return true; }
  StatusOr<Image> ReadTile(int, int, int64_t, int64_t) const override { return Image(); }

 private:
  SourceMetadata m_;
};

TEST(RegionTest, UnitsSpellings) {
  EXPECT_EQ(*ParseRegionUnits("base"), RegionUnits::kBasePixels);
  EXPECT_EQ(*ParseRegionUnits("pixels"), RegionUnits::kMagPixels);
  EXPECT_EQ(*ParseRegionUnits("microns"), RegionUnits::kUm);
  EXPECT_EQ(*ParseRegionUnits("\xc2\xb5m"), RegionUnits::kUm);
  EXPECT_EQ(*ParseRegionUnits("fraction"), RegionUnits::kFraction);
  EXPECT_FALSE(ParseRegionUnits("furlongs").ok());
}

TEST(RegionTest, BoundsWithNegativesFractionsAndMillimetres) {
  ShapeSource s(10000, 8000, 256, 20, 0.0005);
  RegionSpec spec;
  spec.left = -1000;
  spec.top = 100;
  spec.width = 500;
  spec.height = 300;
  EXPECT_EQ(*RegionBounds(s.metadata(), spec, std::nullopt), (Rect{9000, 100, 500, 300}));
  RegionSpec frac;
  frac.units = RegionUnits::kFraction;
  frac.left = 0.25;
  frac.right = 0.5;
  frac.top = 0.5;
  EXPECT_EQ(*RegionBounds(s.metadata(), frac, std::nullopt), (Rect{2500, 4000, 2500, 4000}));
  RegionSpec mm;
  mm.units = RegionUnits::kMm;
  mm.left = 1;     // 1 mm = 2000 px at 0.5 um/px
  mm.width = 0.5;  // 1000 px
  EXPECT_EQ(*RegionBounds(s.metadata(), mm, std::nullopt), (Rect{2000, 0, 1000, 8000}));
  RegionSpec um = mm;
  um.units = RegionUnits::kUm;
  um.left = 1000;
  um.width = 500;
  EXPECT_EQ(*RegionBounds(s.metadata(), um, std::nullopt), (Rect{2000, 0, 1000, 8000}));
  // Outside the image: cropped.
  RegionSpec out;
  out.left = 9900;
  out.width = 500;
  EXPECT_EQ(*RegionBounds(s.metadata(), out, std::nullopt), (Rect{9900, 0, 100, 8000}));
  // mm without a pixel size: a clear error.
  ShapeSource plain(1000, 1000, 256);
  EXPECT_EQ(RegionBounds(plain.metadata(), mm, std::nullopt).status().message(),
            "No mm_x or mm_y to use for units");
}

TEST(RegionTest, MagnificationLevels) {
  ShapeSource s(10000, 8000, 256, 20, 0.0005);  // levels = 7 (0..6)
  ASSERT_EQ(s.metadata().levels, 7);
  EXPECT_EQ(*LevelForScale(s.metadata(), 10, std::nullopt, std::nullopt, false), 5.0);
  EXPECT_EQ(*LevelForScale(s.metadata(), 5, std::nullopt, std::nullopt, true), 4.0);
  EXPECT_FALSE(LevelForScale(s.metadata(), 7, std::nullopt, std::nullopt, true).has_value());
  EXPECT_EQ(*LevelForScale(s.metadata(), std::nullopt, 0.001, 0.001, false), 5.0);
  LevelScale l = ScaleForLevel(s.metadata(), 4.0);
  EXPECT_EQ(l.scale, 4);
  EXPECT_EQ(*l.magnification, 5);
  EXPECT_DOUBLE_EQ(*l.mm_x, 0.002);
}

TEST(RegionTest, PlanPicksTheLevelAtLeastAsLargeAsTheOutput) {
  ShapeSource s(10000, 8000, 256);
  RegionSpec spec;
  spec.left = 1000;
  spec.top = 1000;
  spec.width = 2048;
  spec.height = 2048;
  spec.max_width = 1024;
  auto plan = PlanRegion(s, spec);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->level, s.metadata().levels - 2);  // a 2x smaller level
  EXPECT_EQ(plan->rect, (Rect{500, 500, 1024, 1024}));
  EXPECT_EQ(plan->out_width, 1024);
  EXPECT_EQ(plan->out_height, 1024);
  spec.max_width = 600;  // not a power of two: the next larger level, resized
  plan = PlanRegion(s, spec);
  EXPECT_EQ(plan->rect.width, 1024);
  EXPECT_EQ(plan->out_width, 600);
  // No output size, a magnification: the level of that magnification.
  ShapeSource mag(10000, 8000, 256, 40);
  RegionSpec m;
  m.magnification = 10;
  plan = PlanRegion(mag, m);
  EXPECT_EQ(plan->level, mag.metadata().levels - 3);
  EXPECT_EQ(plan->out_width, 2500);
  EXPECT_EQ(plan->out_height, 2000);
  m.magnification = 15;
  m.exact = true;
  EXPECT_TRUE(PlanRegion(mag, m)->empty);
  // Full image, nothing else: full resolution.
  plan = PlanRegion(s, RegionSpec());
  EXPECT_EQ(plan->level, s.metadata().levels - 1);
  EXPECT_EQ(plan->out_width, 10000);
  RegionSpec neg;
  neg.max_width = -1;
  EXPECT_FALSE(PlanRegion(s, neg).ok());
}

}  // namespace
}  // namespace tessera
