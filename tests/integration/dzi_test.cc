// DeepZoom (dzi.dzi and dzi_files) on real slides: the descriptor, the tile grid of every
// level, tile sizes with overlap at edges and inside, and pixels against `vips dzsave` (an
// independent DeepZoom writer) through the libvips C API.
#include <gtest/gtest.h>
#include <vips/vips.h>

#include <cstring>
#include <string>

#include "integration/server_fixture.h"
#include "testing/reference.h"
#include "testing/testdata.h"

namespace tessera {
namespace {

using Json = nlohmann::json;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

int MaxLevel(int64_t w, int64_t h) {
  int level = 0;
  while ((int64_t{1} << level) < std::max(w, h)) ++level;
  return level;
}

// The DeepZoom tile size along one axis: [x * ts - overlap, (x + 1) * ts + overlap) within
// the level, overlap only where there is a neighbour.
int64_t TileSpan(int64_t x, int64_t ts, int64_t overlap, int64_t level_size) {
  return std::min(level_size, (x + 1) * ts + overlap) - std::max<int64_t>(0, x * ts - overlap);
}

// Writes a DeepZoom pyramid of `img` with libvips' dzsave (PNG tiles); returns the _files dir.
std::string DzSave(const Image& img, const std::string& dir, int tile_size, int overlap) {
  VipsImage* in = vips_image_new_from_memory(img.data(), img.byte_size(), img.width(), img.height(),
                                             img.bands(), VIPS_FORMAT_UCHAR);
  const std::string base = dir + "/ref";
  const int rc = vips_dzsave(in, base.c_str(), "tile_size", tile_size, "overlap", overlap, "suffix",
                             ".png", nullptr);
  g_object_unref(in);
  EXPECT_EQ(rc, 0) << vips_error_buffer();
  return base + "_files";
}

class DziTest : public ServerFixture {
 protected:
  std::string TileUrl(const std::string& id, int level, int64_t x, int64_t y,
                      const std::string& query, const std::string& ext = "jpg") {
    return "/api/v1/item/" + id + "/tiles/dzi_files/" + std::to_string(level) + "/" +
           std::to_string(x) + "_" + std::to_string(y) + "." + ext + query;
  }
  // Checks every tile of every level (or, with `corners_only`, the corner tiles and one inside)
  // has DeepZoom's size, and that the tiles just outside each level are 404.
  void CheckGrid(const std::string& id, int64_t w, int64_t h, int ts, int ov, bool corners_only) {
    const int max_level = MaxLevel(w, h);
    const std::string q = "?tilesize=" + std::to_string(ts) + "&overlap=" + std::to_string(ov);
    for (int level = 1; level <= max_level; ++level) {
      const int64_t f = int64_t{1} << (max_level - level);
      const int64_t lw = CeilDiv(w, f), lh = CeilDiv(h, f);
      const int64_t cols = CeilDiv(lw, ts), rows = CeilDiv(lh, ts);
      for (int64_t y = 0; y < rows; ++y) {
        for (int64_t x = 0; x < cols; ++x) {
          const bool corner = (x == 0 || x == cols - 1) && (y == 0 || y == rows - 1);
          const bool inside = x == cols / 2 && y == rows / 2;
          if (corners_only && !corner && !inside) continue;
          HttpResult r = Get(TileUrl(id, level, x, y, q + "&encoding=PNG", "png"));
          ASSERT_EQ(r.status, 200) << level << "/" << x << "_" << y << ": " << r.body;
          Image img = DecodeBody(r);
          EXPECT_EQ(img.width(), TileSpan(x, ts, ov, lw)) << level << "/" << x << "_" << y;
          EXPECT_EQ(img.height(), TileSpan(y, ts, ov, lh)) << level << "/" << x << "_" << y;
        }
      }
      EXPECT_EQ(Get(TileUrl(id, level, cols, 0, q)).status, 404) << level;
      EXPECT_EQ(Get(TileUrl(id, level, 0, rows, q)).status, 404) << level;
    }
    EXPECT_EQ(Get(TileUrl(id, 0, 0, 0, q)).status, 404);
    EXPECT_EQ(Get(TileUrl(id, max_level + 1, 0, 0, q)).status, 404);
  }
  // Compares our PNG tiles of some levels with dzsave's; returns the worst mean difference
  // below full resolution (full resolution must be exact).
  double CompareWithDzSave(const std::string& id, const std::string& path, int ts, int ov) {
    auto full = VipsLoad(path, 0);
    EXPECT_TRUE(full.ok()) << full.status().ToString();
    if (!full.ok()) return 1e9;
    Image rgb = KeepBands(*full, 3);
    TempDir dir;
    const std::string files = DzSave(rgb, dir.path(), ts, ov);
    const int max_level = MaxLevel(rgb.width(), rgb.height());
    const std::string q =
        "?tilesize=" + std::to_string(ts) + "&overlap=" + std::to_string(ov) + "&encoding=PNG";
    double worst = 0;
    for (int level = max_level; level >= 1 && level > max_level - 6; --level) {
      const int64_t f = int64_t{1} << (max_level - level);
      const int64_t cols = CeilDiv(CeilDiv(rgb.width(), f), ts);
      const int64_t rows = CeilDiv(CeilDiv(rgb.height(), f), ts);
      for (int64_t y = 0; y < rows; y += std::max<int64_t>(1, rows / 3)) {
        for (int64_t x = 0; x < cols; x += std::max<int64_t>(1, cols / 3)) {
          HttpResult r = Get(TileUrl(id, level, x, y, q, "png"));
          EXPECT_EQ(r.status, 200);
          Image ours = DecodeBody(r);
          auto ref = VipsLoad(files + "/" + std::to_string(level) + "/" + std::to_string(x) + "_" +
                              std::to_string(y) + ".png");
          EXPECT_TRUE(ref.ok()) << ref.status().ToString();
          if (!ref.ok()) continue;
          EXPECT_EQ(ours.width(), ref->width()) << level << "/" << x << "_" << y;
          EXPECT_EQ(ours.height(), ref->height()) << level << "/" << x << "_" << y;
          Diff d = CompareImages(ours, *ref, ref->width(), ref->height(), 3);
          if (level == max_level) {
            EXPECT_EQ(d.max_abs, 0) << level << "/" << x << "_" << y;
          } else {
            worst = std::max(worst, d.mean_abs);
          }
        }
      }
    }
    return worst;
  }
};

TEST_F(DziTest, Descriptor) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  const std::string id = Import(svs);
  HttpResult r = Get("/api/v1/item/" + id + "/tiles/dzi.dzi");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "text/xml");
  EXPECT_EQ(r.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Image TileSize=\"256\" Overlap=\"0\" "
            "Format=\"jpg\" xmlns=\"http://schemas.microsoft.com/deepzoom/2008\"><Size "
            "Width=\"2220\" Height=\"2967\"/></Image>");
  HttpResult png = Get("/api/v1/item/" + id + "/tiles/dzi.dzi?tilesize=512&overlap=1&encoding=PNG");
  EXPECT_NE(png.body.find("TileSize=\"512\" Overlap=\"1\" Format=\"png\""), std::string::npos);
  for (const char* bad : {"tilesize=300", "tilesize=0", "overlap=-1", "encoding=WEBP",
                          "encoding=TIFF", "overlap=x"}) {
    EXPECT_EQ(Get("/api/v1/item/" + id + "/tiles/dzi.dzi?" + bad).status, 400) << bad;
  }
  EXPECT_EQ(Get("/api/v1/item/0123456789abcdef01234567/tiles/dzi.dzi").status, 404);
}

TEST_F(DziTest, GridOfEveryLevel) {
  TS_REQUIRE_TESTDATA(boxes, "boxes.tiff");
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  const std::string boxes_id = Import(boxes);
  CheckGrid(boxes_id, 300, 250, 64, 2, false);
  CheckGrid(boxes_id, 300, 250, 256, 0, false);
  const std::string svs_id = Import(svs);
  CheckGrid(svs_id, 2220, 2967, 256, 1, true);
  CheckGrid(svs_id, 2220, 2967, 512, 3, true);
  // Malformed tile names.
  for (const char* bad : {"1.jpg", "a_b.jpg", "-1_0.jpg", "0_0.gif"}) {
    EXPECT_EQ(Get("/api/v1/item/" + svs_id + "/tiles/dzi_files/10/" + bad).status, 400) << bad;
  }
  EXPECT_EQ(Get("/api/v1/item/" + svs_id + "/tiles/dzi_files/x/0_0.jpg").status, 400);
}

TEST_F(DziTest, TileSizesWithOverlap) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  const std::string id = Import(svs);
  // Full resolution (level 12), 256 px tiles, overlap 3: 9 columns (2220 = 8 * 256 + 172).
  auto size = [&](int64_t x, int64_t y) {
    Image img = DecodeBody(Get(TileUrl(id, 12, x, y, "?overlap=3")));
    return std::pair<int, int>(img.width(), img.height());
  };
  EXPECT_EQ(size(0, 0), (std::pair<int, int>(259, 259)));  // a neighbour right and below
  EXPECT_EQ(size(4, 5), (std::pair<int, int>(262, 262)));  // neighbours on all sides
  // The last column has 2220 - 2048 = 172 pixels, the last row 2967 - 2816 = 151, plus the
  // overlap towards their neighbours.
  EXPECT_EQ(size(8, 11), (std::pair<int, int>(175, 154)));
  EXPECT_EQ(size(8, 0), (std::pair<int, int>(175, 259)));
  EXPECT_EQ(size(0, 11), (std::pair<int, int>(259, 154)));
}

TEST_F(DziTest, PixelsMatchDzSave) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  TS_REQUIRE_TESTDATA(boxes, "boxes.tiff");
  // CMU-1-Small-Region stores one level: lower levels are 2x2 means, as dzsave makes them, with
  // the edges of odd-sized levels repeated (DeepZoom rounds level sizes up, large_image down),
  // and the DeepZoom levels below the pyramid halved again the same way.
  EXPECT_LT(CompareWithDzSave(Import(svs), svs, 256, 1), 0.5);
  // boxes.tiff stores its own levels (300, 150, 75, 37 pixels wide); they stay close to dzsave's.
  EXPECT_LT(CompareWithDzSave(Import(boxes), boxes, 64, 2), 0.5);
}

TEST_F(DziTest, ATileOfOnlyTheRoundedUpRowRepeatsTheLastRow) {
  TS_REQUIRE_TESTDATA(boxes, "boxes.tiff");
  const std::string id = Import(boxes);
  // DeepZoom level 7 of boxes.tiff (300 x 250 / 4) is 75 x 63; large_image's level is 75 x 62.
  // With 2-pixel tiles, row 31 of tiles holds only row 62, which the pyramid does not have.
  HttpResult last = Get(TileUrl(id, 7, 5, 31, "?tilesize=2&encoding=PNG", "png"));
  HttpResult above = Get(TileUrl(id, 7, 5, 30, "?tilesize=2&encoding=PNG", "png"));
  ASSERT_EQ(last.status, 200) << last.body;
  ASSERT_EQ(above.status, 200) << above.body;
  Image a = DecodeBody(last), b = DecodeBody(above);
  ASSERT_EQ(a.width(), 2);
  ASSERT_EQ(a.height(), 1);
  ASSERT_EQ(b.height(), 2);
  EXPECT_EQ(std::memcmp(a.row(0), b.row(1), a.row_bytes()), 0);
  EXPECT_EQ(Get(TileUrl(id, 7, 5, 32, "?tilesize=2")).status, 404);
}

TEST_F(DziTest, EncodingsEtagsAndTheCache) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  const std::string id = Import(svs);
  HttpResult jpg = Get(TileUrl(id, 11, 1, 2, ""));
  ASSERT_EQ(jpg.status, 200);
  EXPECT_EQ(jpg.Header("content-type"), "image/jpeg");
  EXPECT_EQ(jpg.body.substr(0, 3), "\xFF\xD8\xFF");
  EXPECT_EQ(jpg.Header("cache-control"), "public, max-age=3600");
  HttpResult png = Get(TileUrl(id, 11, 1, 2, "", "png"));  // the extension picks PNG
  EXPECT_EQ(png.Header("content-type"), "image/png");
  EXPECT_EQ(Get(TileUrl(id, 11, 1, 2, "?encoding=PNG")).Header("content-type"), "image/png");
  EXPECT_EQ(Get(TileUrl(id, 11, 1, 2, "?encoding=WEBP")).status, 400);
  const std::string etag = jpg.Header("etag");
  EXPECT_EQ(Get(TileUrl(id, 11, 1, 2, ""), {{"If-None-Match", etag}}).status, 304);
  EXPECT_NE(Get(TileUrl(id, 11, 1, 2, "?overlap=1")).Header("etag"), etag);
  // A second pass over a level is all hits: nothing read, decoded or encoded again.
  for (int pass = 0; pass < 2; ++pass) {
    const Json before = CacheInfo();
    for (int64_t y = 0; y < 6; ++y) {
      for (int64_t x = 0; x < 5; ++x)
        ASSERT_EQ(Get(TileUrl(id, 11, x, y, "?overlap=1")).status, 200);
    }
    const Json after = CacheInfo();
    if (pass == 1) {
      for (const char* c : {"tileReads", "rawReads", "decodes", "synthesized", "encodes"}) {
        EXPECT_EQ(after["tiles"][c], before["tiles"][c]) << c;
      }
      EXPECT_EQ(after["tileCache"]["misses"], before["tileCache"]["misses"]);
    }
  }
}

}  // namespace
}  // namespace tessera
