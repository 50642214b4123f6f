// The viewer model: level geometry, viewport tiles, the overview level, determinism of the
// seeded decisions, and the client tile cache.
#include "viewer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::sim {
namespace {

SlideInfo Slide20k() {  // 20000 x 20000, 256 x 256 tiles: 8 levels (large_image's count)
  SlideInfo s;
  s.id = "abc";
  s.levels = 8;
  s.size_x = s.size_y = 20000;
  return s;
}

TEST(ViewerTest, LevelGeometry) {
  const SlideInfo s = Slide20k();
  EXPECT_EQ(s.LevelWidth(7), 20000);
  EXPECT_EQ(s.LevelWidth(6), 10000);
  EXPECT_EQ(s.LevelWidth(0), 157);  // ceil(20000 / 128)
  EXPECT_EQ(s.TilesX(7), 79);
  EXPECT_EQ(s.TilesX(0), 1);
  EXPECT_EQ(TileUrl("abc", {3, 1, 2}), "/api/v1/item/abc/tiles/zxy/3/1/2");
}

TEST(ViewerTest, HomeIsTheFirstLevelCoveringTheWindow) {
  const SlideInfo s = Slide20k();
  EXPECT_EQ(HomeLevel(s, 1280, 800), 3);  // 1250 px >= 800 (level 2: 625 px)
  SlideInfo tiny = s;
  tiny.levels = 1;
  tiny.size_x = tiny.size_y = 100;
  EXPECT_EQ(HomeLevel(tiny, 1280, 800), 0);
}

TEST(ViewerTest, ViewportTilesNearestTheCentreFirst) {
  const SlideInfo s = Slide20k();
  // Window 512 x 256 centred on (1024, 1024) of level 7: x in [768, 1280) -> tiles 3, 4;
  // y in [896, 1152) -> tiles 3, 4. Centres: (3.5, 3.5) * 256 = (896, 896) ... all at equal
  // distance, so row-major order.
  auto t = ViewportTiles(s, 7, 1024, 1024, 512, 256);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].x, 3);
  EXPECT_EQ(t[0].y, 3);
  EXPECT_EQ(t[3].x, 4);
  EXPECT_EQ(t[3].y, 4);
  // Centred on a tile's centre: that tile first; clipped at the image's corner.
  t = ViewportTiles(s, 7, 128, 128, 1280, 800);
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t[0].x, 0);
  EXPECT_EQ(t[0].y, 0);
  EXPECT_EQ(t.size(), 3u * 3u);  // x in [-512, 768) -> tiles 0..2; y in [-272, 528) -> 0..2
}

TEST(ViewerTest, SameSeedSameSequence) {
  const SlideInfo s = Slide20k();
  auto replay = [&](uint64_t seed) {
    Viewer v(seed, 10, ViewerOptions());
    std::vector<std::string> out;
    v.Opened(s);
    for (int i = 0; i < 200; ++i) {
      out.push_back(std::to_string(v.slide()) + " " + std::to_string(v.level()) + " " +
                    std::to_string(v.cx()) + " " + std::to_string(v.cy()) + " " +
                    std::to_string(v.ThinkMs()));
      if (v.Move() == MoveKind::kOpenSlide) v.Opened(s);
      EXPECT_GE(v.level(), HomeLevel(s, 1280, 800));
      EXPECT_LE(v.level(), s.levels - 1);
    }
    return out;
  };
  EXPECT_EQ(replay(StreamSeed(1, 7)), replay(StreamSeed(1, 7)));
  EXPECT_NE(replay(StreamSeed(1, 7)), replay(StreamSeed(1, 8)));
}

TEST(ViewerTest, PopularSlidesAreShared) {
  std::vector<int> users_on(20, 0);
  for (int u = 0; u < 50; ++u) ++users_on[Viewer(StreamSeed(1, u), 20, ViewerOptions()).slide()];
  int shared = 0;
  for (int n : users_on) shared += n >= 2;
  EXPECT_GE(shared, 3);
}

TEST(ViewerTest, ClientTileCacheKeepsTheMostRecent) {
  ClientTileCache c(2);
  c.Insert("a");
  c.Insert("b");
  EXPECT_TRUE(c.Touch("a"));  // a is now the most recent
  c.Insert("c");              // evicts b
  EXPECT_TRUE(c.Contains("a"));
  EXPECT_FALSE(c.Contains("b"));
  EXPECT_TRUE(c.Contains("c"));
  EXPECT_EQ(c.size(), 2u);
  ClientTileCache none(0);
  none.Insert("a");
  EXPECT_FALSE(none.Contains("a"));
}

}  // namespace
}  // namespace tessera::sim
