#include "source/synthetic_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace tessera {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

std::unique_ptr<TileSource> Open(const Query& q) {
  auto params = ParseSyntheticParams(q);
  EXPECT_TRUE(params.ok()) << params.status().ToString();
  if (!params.ok()) return nullptr;
  auto source = OpenSynthetic(*params);
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  return source.ok() ? std::move(source).value() : nullptr;
}

int IndexOf(const FrameInfo& f, const std::string& key) {
  for (const auto& [k, v] : f.indices) {
    if (k == key) return v;
  }
  return -1;
}

TEST(SyntheticSourceTest, DefaultMetadataMatchesLargeImage) {
  auto s = Open({});
  ASSERT_NE(s, nullptr);
  const SourceMetadata& m = s->metadata();
  EXPECT_EQ(s->format_name(), "test");
  EXPECT_EQ(m.size_x, 256 * 512);  // tileWidth * 2^maxLevel
  EXPECT_EQ(m.size_y, 256 * 512);
  EXPECT_EQ(m.tile_width, 256);
  EXPECT_EQ(m.tile_height, 256);
  EXPECT_EQ(m.levels, 10);
  EXPECT_EQ(m.band_count, 3);
  EXPECT_EQ(m.dtype, PixelType::kU8);
  EXPECT_EQ(m.frame_count, 1);
  EXPECT_TRUE(m.frames.empty());
  EXPECT_FALSE(m.magnification.has_value());
  for (int z = 0; z < m.levels; ++z) EXPECT_TRUE(s->HasLevel(0, z)) << z;
  EXPECT_FALSE(s->HasLevel(1, 0));
}

TEST(SyntheticSourceTest, CustomSizes) {
  // maxLevel is recomputed from the size, as large_image does.
  auto s = Open({{"sizeX", "10000"},
                 {"sizeY", "5000"},
                 {"tileWidth", "512"},
                 {"tileHeight", "256"},
                 {"maxLevel", "2"}});
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->metadata().size_x, 10000);
  EXPECT_EQ(s->metadata().size_y, 5000);
  EXPECT_EQ(s->metadata().levels, 6);  // ceil(log2(max(10000/512, 5000/256))) + 1
  EXPECT_EQ(s->GetLevelSize(5).width, 10000);
  EXPECT_EQ(s->GetLevelSize(0).width, 312);
  auto tile = s->ReadTile(0, 5, 19, 19);
  ASSERT_TRUE(tile.ok()) << tile.status().ToString();
  EXPECT_EQ(tile->width(), 512);
  EXPECT_EQ(tile->height(), 256);
  EXPECT_EQ(s->ReadTile(0, 5, 20, 0).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(s->ReadTile(0, 5, 0, 20).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(s->ReadTile(0, 6, 0, 0).status().code(), StatusCode::kOutOfRange);

  // Only sizeX given: sizeY = tileHeight * 2^maxLevel.
  auto t = Open({{"sizeX", "1000"}, {"maxLevel", "3"}});
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->metadata().size_y, 2048);
  EXPECT_EQ(t->metadata().levels, 4);

  // Smaller than a tile: one level.
  auto u = Open({{"sizeX", "100"}, {"sizeY", "50"}});
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->metadata().levels, 1);
}

TEST(SyntheticSourceTest, TilesAreDeterministicAndDistinct) {
  auto a = Open({{"maxLevel", "4"}});
  auto b = Open({{"maxLevel", "4"}});
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  auto t1 = a->ReadTile(0, 4, 3, 5);
  auto t2 = b->ReadTile(0, 4, 3, 5);
  auto t3 = a->ReadTile(0, 4, 3, 5);
  ASSERT_TRUE(t1.ok() && t2.ok() && t3.ok());
  EXPECT_EQ(t1->width(), 256);
  EXPECT_EQ(t1->bands(), 3);
  EXPECT_TRUE(*t1 == *t2);
  EXPECT_TRUE(*t1 == *t3);

  // Neighbours, other levels differ (colour and/or text).
  std::vector<std::pair<int, std::pair<int, int>>> others = {
      {4, {4, 5}}, {4, {3, 6}}, {3, {1, 2}}, {0, {0, 0}}, {4, {5, 3}}};
  for (const auto& [z, xy] : others) {
    auto t = a->ReadTile(0, z, xy.first, xy.second);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_FALSE(*t == *t1) << z << "/" << xy.first << "/" << xy.second;
  }
  // A tile with the same colour but a different label still differs: 10 vs 1 in x.
  auto wide = Open({{"sizeX", "2816"}, {"sizeY", "256"}});
  ASSERT_NE(wide, nullptr);
  int z = wide->metadata().levels - 1;
  EXPECT_FALSE(*wide->ReadTile(0, z, 1, 0) == *wide->ReadTile(0, z, 10, 0));
}

TEST(SyntheticSourceTest, BorderAndBackground) {
  auto s = Open({{"maxLevel", "2"}});
  ASSERT_NE(s, nullptr);
  auto t = s->ReadTile(0, 2, 1, 2);
  ASSERT_TRUE(t.ok());
  // Corner pixels are the black border.
  for (int b = 0; b < 3; ++b) {
    EXPECT_EQ(t->row(0)[b], 0);
    EXPECT_EQ(t->row(255)[255 * 3 + b], 0);
  }
  // Centre-right is large_image's HSV colour for x=1, y=2, z=2 (of 3 levels, 1024 px):
  // h = 1.5*256/1024 = .375, s = v = .3 + .7 * (2.5*256/1024) = .7375.
  const uint8_t* px = t->row(200) + 200 * 3;
  EXPECT_EQ(px[0], 49);   // p = v * (1 - s)
  EXPECT_EQ(px[1], 188);  // v
  EXPECT_EQ(px[2], 84);   // t = v * (1 - s * (1 - f)), f = .25
}

TEST(SyntheticSourceTest, MonochromeAndFractal) {
  auto mono = Open({{"maxLevel", "3"}, {"monochrome", "true"}});
  ASSERT_NE(mono, nullptr);
  EXPECT_EQ(mono->metadata().band_count, 1);
  auto t = mono->ReadTile(0, 3, 2, 2);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->bands(), 1);
  EXPECT_EQ(t->width(), 256);

  auto fractal = Open({{"maxLevel", "3"}, {"fractal", "yes"}});
  auto plain = Open({{"maxLevel", "3"}});
  ASSERT_NE(fractal, nullptr);
  auto f = fractal->ReadTile(0, 3, 0, 0);
  auto p = plain->ReadTile(0, 3, 0, 0);
  ASSERT_TRUE(f.ok() && p.ok());
  EXPECT_FALSE(*f == *p);
  // Fractal tiles have white paper somewhere.
  bool white = false;
  for (int y = 1; y < 255 && !white; ++y) {
    for (int x = 1; x < 255; ++x) {
      const uint8_t* q = f->row(y) + x * 3;
      if (q[0] == 255 && q[1] == 255 && q[2] == 255) {
        white = true;
        break;
      }
    }
  }
  EXPECT_TRUE(white);
  // Non-square tiles: fractal is ignored (large_image).
  auto ns = Open({{"tileWidth", "256"}, {"tileHeight", "128"}, {"fractal", "true"}});
  ASSERT_NE(ns, nullptr);
  bool found = false;
  for (const auto& [k, v] : ns->metadata().properties) {
    if (k == "test.fractal") {
      EXPECT_EQ(v, "false");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(SyntheticSourceTest, LevelsBelowMinLevelAreNotStored) {
  auto s = Open({{"minLevel", "3"}, {"maxLevel", "6"}});
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->metadata().levels, 7);
  for (int z = 0; z < 3; ++z) EXPECT_FALSE(s->HasLevel(0, z)) << z;
  for (int z = 3; z < 7; ++z) EXPECT_TRUE(s->HasLevel(0, z)) << z;
  EXPECT_EQ(s->ReadTile(0, 2, 0, 0).status().code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(s->ReadTile(0, 3, 7, 7).ok());

  // minLevel above the real maximum is clamped.
  auto c = Open({{"minLevel", "8"}, {"sizeX", "1000"}, {"sizeY", "1000"}});
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->metadata().levels, 3);
  EXPECT_TRUE(c->HasLevel(0, 2));
  EXPECT_FALSE(c->HasLevel(0, 1));
}

TEST(SyntheticSourceTest, FramesLikeLargeImage) {
  // Generic count.
  auto g = Open({{"frames", "4"}, {"maxLevel", "2"}});
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->metadata().frame_count, 4);
  ASSERT_EQ(g->metadata().frames.size(), 4u);
  EXPECT_EQ(IndexOf(g->metadata().frames[3], "Index"), 3);
  EXPECT_FALSE(*g->ReadTile(0, 2, 1, 1) == *g->ReadTile(3, 2, 1, 1));
  EXPECT_TRUE(g->HasLevel(3, 2));
  EXPECT_FALSE(g->HasLevel(4, 2));
  EXPECT_EQ(g->ReadTile(4, 2, 1, 1).status().code(), StatusCode::kOutOfRange);

  // c,z,t,xy counts: c varies fastest; axes with count 1 are left out.
  auto czt = Open({{"frames", "2,3,1"}});
  ASSERT_NE(czt, nullptr);
  const auto& f = czt->metadata().frames;
  ASSERT_EQ(f.size(), 6u);
  EXPECT_EQ(f[0].indices.size(), 2u);
  EXPECT_EQ(f[0].indices[0].first, "IndexZ");  // large_image's key order
  EXPECT_EQ(IndexOf(f[1], "IndexC"), 1);
  EXPECT_EQ(IndexOf(f[1], "IndexZ"), 0);
  EXPECT_EQ(IndexOf(f[2], "IndexC"), 0);
  EXPECT_EQ(IndexOf(f[2], "IndexZ"), 1);
  EXPECT_EQ(IndexOf(f[5], "IndexZ"), 2);
  EXPECT_EQ(IndexOf(f[5], "IndexT"), -1);

  // Named axes.
  auto named = Open({{"frames", "c=2,q=3"}});
  ASSERT_NE(named, nullptr);
  ASSERT_EQ(named->metadata().frame_count, 6);
  EXPECT_EQ(IndexOf(named->metadata().frames[5], "IndexQ"), 2);
  EXPECT_EQ(IndexOf(named->metadata().frames[5], "IndexC"), 1);

  // A single frame is not multi-frame.
  auto one = Open({{"frames", "1"}});
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->metadata().frame_count, 1);
  EXPECT_TRUE(one->metadata().frames.empty());
}

TEST(SyntheticSourceTest, ParseErrorsNameTheParameter) {
  struct Case {
    Query q;
    std::string name;
  };
  std::vector<Case> cases = {
      {{{"tileWidth", "0"}}, "tileWidth"},     {{{"tileWidth", "5000"}}, "tileWidth"},
      {{{"tileHeight", "abc"}}, "tileHeight"}, {{{"minLevel", "-1"}}, "minLevel"},
      {{{"maxLevel", "x"}}, "maxLevel"},       {{{"sizeX", "-5"}}, "sizeX"},
      {{{"sizeY", "4294967296"}}, "sizeY"},    {{{"fractal", "maybe"}}, "fractal"},
      {{{"monochrome", "2"}}, "monochrome"},   {{{"frames", "abc"}}, "frames"},
      {{{"frames", "0"}}, "frames"},           {{{"frames", "1,2,3,4,5"}}, "frames"},
      {{{"frames", "c=2,3"}}, "frames"},       {{{"frames", "=2"}}, "frames"},
      {{{"frames", "c=2,c=3"}}, "frames"},     {{{"frames", "1000,1000"}}, "frames"},
      {{{"frames", "2,,3"}}, "frames"},
  };
  for (const auto& c : cases) {
    auto p = ParseSyntheticParams(c.q);
    ASSERT_FALSE(p.ok()) << c.q[0].first << "=" << c.q[0].second;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(c.name), std::string::npos) << p.status().message();
  }
  // Unknown keys are ignored.
  auto ok = ParseSyntheticParams({{"style", "{}"}, {"encoding", "PNG"}, {"frame", "3"}});
  EXPECT_TRUE(ok.ok());

  // A default size that would exceed 2^31 pixels.
  SyntheticParams big;
  big.max_level = 31;
  EXPECT_EQ(OpenSynthetic(big).status().code(), StatusCode::kInvalidArgument);
  SyntheticParams bad;
  bad.tile_width = 0;
  EXPECT_EQ(OpenSynthetic(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(SyntheticSourceTest, KeyNamesEveryParameter) {
  SyntheticParams a;
  SyntheticParams b;
  EXPECT_EQ(a.Key(), b.Key());
  b.frames = "c=2";
  EXPECT_NE(a.Key(), b.Key());
  b = a;
  b.monochrome = true;
  EXPECT_NE(a.Key(), b.Key());
  b = a;
  b.size_x = 1000;
  EXPECT_NE(a.Key(), b.Key());
  auto parsed = ParseSyntheticParams({{"minLevel", "2"}, {"fractal", "true"}});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Key(),
            "test?minLevel=2&maxLevel=9&tileWidth=256&tileHeight=256&sizeX=0&sizeY=0&fractal=1"
            "&monochrome=0&frames=");
}

TEST(SyntheticSourceTest, FastEnoughForLoadTests) {
  auto s = Open({{"fractal", "true"}});
  ASSERT_NE(s, nullptr);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) {
    auto t = s->ReadTile(0, 9, i, i);
    ASSERT_TRUE(t.ok());
  }
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  // Generous bound (sanitizer builds are slow): well under a millisecond per tile normally.
  EXPECT_LT(ms / 200, 20.0);
}

}  // namespace
}  // namespace tessera
