// The server end to end: large_image's tiles API on real files, compared with libvips and
// libtiff; errors in Girder's shape; HTTP behaviour (keep-alive, CORS, ETag/304).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "api/importer.h"
#include "integration/server_fixture.h"
#include "testing/reference.h"
#include "testing/testdata.h"

namespace tessera {
namespace {

using Json = nlohmann::json;

class ServerTest : public ServerFixture {};

TEST_F(ServerTest, HealthAndRoutesAnswerInGirdersShape) {
  Json check = GetJson("/api/v1/system/check");
  EXPECT_EQ(check["status"], "ok");
  HttpResult missing = Get("/api/v1/nothing/here");
  EXPECT_EQ(missing.status, 404);
  Json j = Json::parse(missing.body);
  EXPECT_TRUE(j.contains("message"));
  EXPECT_EQ(j["type"], "rest");
  EXPECT_EQ(Get("/api/v1/item/0123456789abcdef01234567/tiles").status, 404);
  EXPECT_EQ(Get("/api/v1/item/not-an-id/tiles").status, 400);
}

TEST_F(ServerTest, CorsKeepAliveAndPreflight) {
  for (int i = 0; i < 5; ++i) {
    HttpResult r = Get("/api/v1/system/check");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("access-control-allow-origin"), "*");
  }
  EXPECT_EQ(client_->connects(), 1);  // one connection served all five
  HttpResult pre = client_->Request("OPTIONS", "/api/v1/item/x/tiles/zxy/0/0/0",
                                    {{"Origin", "http://viewer.example"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_NE(pre.Header("access-control-allow-methods").find("GET"), std::string::npos);
  EXPECT_EQ(pre.Header("access-control-allow-origin"), "*");
}

TEST_F(ServerTest, MalformedRequestsGetClearAnswersAndTheServerKeepsServing) {
  std::string raw = client_->Raw("GARBAGE\r\n\r\n");
  EXPECT_NE(raw.find("400"), std::string::npos) << raw;
  std::string huge =
      "GET /api/v1/system/check HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') +
      "\r\n\r\n";
  raw = client_->Raw(huge);
  EXPECT_NE(raw.find("431"), std::string::npos) << raw.substr(0, 200);
  EXPECT_EQ(Get("/api/v1/item/abc/tiles/zxy/%zz/0/0").status, 400);
  EXPECT_EQ(Get("/api/v1/system/check").status, 200);
}

TEST_F(ServerTest, HttpDetailsHttp10ContinueAndHeaderValues) {
  // HTTP/1.0 without keep-alive: the answer says so and the connection closes (Raw reads to EOF).
  std::string raw = client_->Raw("GET /api/v1/system/version HTTP/1.0\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("\r\nConnection: close\r\n"), std::string::npos) << raw;
  // Expect: 100-continue gets its interim answer before the body is read.
  raw = client_->Raw(
      "POST /api/v1/system/version HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
      "Expect: 100-continue\r\nConnection: close\r\n\r\nhello");
  EXPECT_EQ(raw.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 405 ", 0), 0u) << raw;
  // No response splitting: a CR or LF a handler copies into a header never reaches the wire.
  HttpResult r =
      Get("/api/v1/item/test/tiles/thumbnail?contentDisposition=attachment&"
          "contentDispositionFilename=a%0D%0AX-Injected:%201");
  EXPECT_EQ(r.headers.count("x-injected"), 0u);
  EXPECT_EQ(Get("/api/v1/system/check").status, 200);
}

// A short request time-out, to watch the server close slow connections.
class ServerTimeoutTest : public ServerFixture {
 protected:
  void Configure(Config& c) override { c.request_timeout_s = 1; }
};

TEST_F(ServerTimeoutTest, SlowRequestsAreClosedAndOthersKeepBeingServed) {
  // Half a request header that never ends (a slow-loris client): closed after the time-out,
  // without an answer; Raw returns when the server closes the connection.
  const auto start = std::chrono::steady_clock::now();
  std::string raw = client_->Raw("GET /api/v1/system/check HTTP/1.1\r\nHost: x\r\n");
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(raw.empty()) << raw;
  EXPECT_GE(waited, 0.9);  // not before the time-out ...
  EXPECT_LT(waited, 4.0);  // ... and soon after it (the sweep runs every second)
  EXPECT_EQ(Get("/api/v1/system/check").status, 200);
}

// A web root laid out like web/: pages, a vendor link into node_modules, npm's files.
class StaticFilesTest : public ServerFixture {
 protected:
  void Configure(Config& c) override {
    web_ = std::make_unique<TempDir>();
    namespace fs = std::filesystem;
    const std::string w = web_->path();
    fs::create_directories(w + "/node_modules/lib");
    fs::create_directories(w + "/vendor");
    auto write = [](const std::string& path, const std::string& text) {
      std::ofstream(path) << text;
    };
    write(w + "/index.html", "<p>index</p>");
    write(w + "/page.js", "export {};");
    write(w + "/.env", "secret");
    write(w + "/package.json", "{}");
    write(w + "/node_modules/lib/lib.js", "lib");
    fs::create_symlink("../node_modules/lib", w + "/vendor/lib");
    c.web_root = w;
  }
  std::unique_ptr<TempDir> web_;
};

TEST_F(StaticFilesTest, PagesAndVendorLinksAreServedButNotNpmsTreeOrHiddenFiles) {
  HttpResult index = Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<p>index</p>");
  EXPECT_NE(index.Header("content-type").find("text/html"), std::string::npos);
  EXPECT_EQ(Get("/page.js").Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(Get("/vendor/lib/lib.js").body, "lib");
  for (const char* hidden :
       {"/node_modules/lib/lib.js", "/.env", "/package.json", "/vendor/../.env", "/missing.html"}) {
    HttpResult r = Get(hidden);
    EXPECT_EQ(r.status, 404) << hidden;
    EXPECT_EQ(Json::parse(r.body)["type"], "rest") << hidden;
  }
}

TEST_F(ServerTest, SyntheticTestSourceServesPngTiles) {
  Json meta = GetJson("/api/v1/item/test/tiles");
  EXPECT_EQ(meta["levels"], 10);
  EXPECT_EQ(meta["sizeX"], 256 * 512);
  HttpResult tile = Get("/api/v1/item/test/tiles/zxy/3/2/1");
  ASSERT_EQ(tile.status, 200) << tile.body;
  EXPECT_EQ(tile.Header("content-type"), "image/png");
  Image img = DecodeBody(tile);
  EXPECT_EQ(img.width(), 256);
  Json small = GetJson("/api/v1/item/test/tiles?sizeX=1000&sizeY=500&tileWidth=100&tileHeight=100");
  EXPECT_EQ(small["sizeX"], 1000);
  EXPECT_EQ(small["levels"], 5);
  EXPECT_EQ(Get("/api/v1/item/test/tiles?tileWidth=abc").status, 400);
}

TEST_F(ServerTest, AperioSlideMetadataTilesAndPassthrough) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  std::string id = Import(path);
  Json m = GetJson("/api/v1/item/" + id + "/tiles");
  EXPECT_EQ(m["sizeX"], 2220);
  EXPECT_EQ(m["sizeY"], 2967);
  EXPECT_EQ(m["tileWidth"], 240);
  EXPECT_EQ(m["tileHeight"], 240);
  EXPECT_EQ(m["levels"], 5);
  EXPECT_EQ(m["magnification"], 20.0);
  EXPECT_NEAR(m["mm_x"].get<double>(), 0.000499, 1e-9);
  EXPECT_EQ(m["dtype"], "uint8");
  EXPECT_EQ(m["bandCount"], 3);

  // Full resolution, default encoding: the stored JPEG tile, byte for byte.
  HttpResult jpeg = Get("/api/v1/item/" + id + "/tiles/zxy/4/3/2");
  ASSERT_EQ(jpeg.status, 200) << jpeg.body;
  EXPECT_EQ(jpeg.Header("content-type"), "image/jpeg");
  std::string reference = ReferenceRawJpegTile(path, 0, 2 * 10 + 3);
  ASSERT_FALSE(reference.empty());
  EXPECT_TRUE(jpeg.body == reference) << jpeg.body.size() << " vs " << reference.size();
  // The spec's spelling of the route serves the same tile.
  EXPECT_TRUE(Get("/api/v1/item/" + id + "/tile/zxy/4/3/2").body == reference);

  // The same tile as PNG: pixels as libvips (through OpenSlide) decodes the slide.
  auto full = VipsLoad(path, 0);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  Image full3 = KeepBands(*full, 3);
  HttpResult png = Get("/api/v1/item/" + id + "/tiles/zxy/4/3/2?encoding=PNG");
  ASSERT_EQ(png.status, 200);
  EXPECT_EQ(png.Header("content-type"), "image/png");
  Image tile = DecodeBody(png);
  ASSERT_EQ(tile.width(), 240);
  Image expect = full3.Crop(Rect{3 * 240, 2 * 240, 240, 240});
  Diff d = CompareImages(tile, expect, 240, 240, 3);
  EXPECT_LE(d.max_abs, 2) << "mean " << d.mean_abs;

  // Edge tile, cropped: exactly the part inside the image.
  HttpResult edge = Get("/api/v1/item/" + id + "/tiles/zxy/4/9/12?edge=crop&encoding=PNG");
  ASSERT_EQ(edge.status, 200);
  Image e = DecodeBody(edge);
  EXPECT_EQ(e.width(), 2220 - 9 * 240);
  EXPECT_EQ(e.height(), 2967 - 12 * 240);
  EXPECT_LE(CompareImages(e, full3.Crop(Rect{9 * 240, 12 * 240, e.width(), e.height()}), e.width(),
                          e.height(), 3)
                .max_abs,
            2);
}

TEST_F(ServerTest, SynthesizedLevelsMatchADownsampleOfFullResolution) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  std::string id = Import(path);
  auto full = VipsLoad(path, 0);
  ASSERT_TRUE(full.ok());
  Image full3 = KeepBands(*full, 3);
  // Level 2 is 4x smaller and not stored: two 2x2 steps from level 4.
  auto half = VipsShrink(full3, 2, 2);
  ASSERT_TRUE(half.ok());
  auto quarter = VipsShrink(*half, 2, 2);
  ASSERT_TRUE(quarter.ok());
  for (int x = 0; x < 3; ++x) {
    HttpResult r = Get("/api/v1/item/" + id + "/tiles/zxy/2/" + std::to_string(x) +
                       "/1?encoding=PNG&edge=crop");
    ASSERT_EQ(r.status, 200) << r.body;
    Image t = DecodeBody(r);
    Image expect = quarter->Crop(Rect{x * 240, 240, t.width(), t.height()});
    Diff d = CompareImages(t, expect, t.width(), t.height(), 3);
    EXPECT_LE(d.mean_abs, 1.0) << "x=" << x;
    EXPECT_LE(d.max_abs, 6) << "x=" << x;
  }
  // Level 0: the whole image in one tile.
  Image z0 = DecodeBody(Get("/api/v1/item/" + id + "/tiles/zxy/0/0/0?encoding=PNG&edge=crop"));
  EXPECT_EQ(z0.width(), 2220 / 16);
  EXPECT_EQ(z0.height(), 2967 / 16);
}

TEST_F(ServerTest, OtherFormatsThroughTheApi) {
  struct Case {
    const char* file;
    int size_x, size_y, levels;
  };
  for (Case c :
       {Case{"boxes.tiff", 300, 250, 4}, Case{"cogeo.tif", 1024, 1024, 2},
        Case{"test_orient6.tif", 180, 120, 3}, Case{"test3-TRITC-2-560.ndpi", 3968, 4864, 0},
        Case{"yb10kx5k.zstd.tiff", 10000, 5000, 5}}) {
    std::string path = TestDataFile(c.file);
    if (path.empty()) continue;
    std::string id = Import(path);
    Json m = GetJson("/api/v1/item/" + id + "/tiles");
    EXPECT_EQ(m["sizeX"], c.size_x) << c.file;
    EXPECT_EQ(m["sizeY"], c.size_y) << c.file;
    if (c.levels) {
      EXPECT_EQ(m["levels"], c.levels) << c.file;
    }
    // Every level's top-left tile and the thumbnail answer with an image.
    for (int z = 0; z < m["levels"].get<int>(); ++z) {
      HttpResult t = Get("/api/v1/item/" + id + "/tiles/zxy/" + std::to_string(z) + "/0/0");
      EXPECT_EQ(t.status, 200) << c.file << " z=" << z << ": " << t.body;
      EXPECT_EQ(t.Header("content-type"), "image/jpeg");
    }
    HttpResult th = Get("/api/v1/item/" + id + "/tiles/thumbnail?width=128");
    ASSERT_EQ(th.status, 200) << c.file << th.body;
    Image img = DecodeBody(th);
    EXPECT_TRUE(img.width() == 128 || img.height() == 128 * 16) << c.file;
  }
}

TEST_F(ServerTest, MultiFrameOmeTiff) {
  TS_REQUIRE_TESTDATA(path, "multi-channel-z-series.ome.tif");
  std::string id = Import(path);
  Json m = GetJson("/api/v1/item/" + id + "/tiles");
  ASSERT_TRUE(m.contains("frames")) << m.dump();
  EXPECT_EQ(m["frames"].size(), 15u);
  EXPECT_EQ(m["dtype"], "int8");
  EXPECT_EQ(m["IndexRange"]["IndexC"], 3);
  EXPECT_EQ(m["IndexRange"]["IndexZ"], 5);
  HttpResult f0 = Get("/api/v1/item/" + id + "/tiles/fzxy/0/1/0/0?encoding=PNG");
  HttpResult f7 = Get("/api/v1/item/" + id + "/tiles/fzxy/7/1/0/0?encoding=PNG");
  HttpResult f7q = Get("/api/v1/item/" + id + "/tiles/zxy/1/0/0?encoding=PNG&frame=7");
  ASSERT_EQ(f0.status, 200) << f0.body;
  ASSERT_EQ(f7.status, 200);
  EXPECT_TRUE(f0.body != f7.body);  // the frame is part of the tile's identity
  EXPECT_TRUE(f7.body == f7q.body);
  EXPECT_EQ(Get("/api/v1/item/" + id + "/tiles/fzxy/15/1/0/0").status, 404);
}

TEST_F(ServerTest, ParameterAndRangeErrors) {
  TS_REQUIRE_TESTDATA(path, "boxes.tiff");
  std::string id = Import(path);
  const std::string base = "/api/v1/item/" + id + "/tiles/zxy/";
  struct Case {
    std::string target;
    int status;
  };
  for (const Case& c :
       {Case{base + "0/0/0", 200}, Case{base + "a/0/0", 400}, Case{base + "0/-1/0", 400},
        Case{base + "9/0/0", 404}, Case{base + "3/5/0", 404},
        Case{base + "0/0/0?encoding=GIF", 400}, Case{base + "0/0/0?jpegQuality=200", 400},
        Case{base + "0/0/0?edge=notacolour", 400}, Case{base + "0/0/0?style=%7Bbad", 400},
        Case{base + "0/0/0?encoding=WEBP", 200}, Case{base + "0/0/0?encoding=TIFF", 200}}) {
    HttpResult r = Get(c.target);
    EXPECT_EQ(r.status, c.status) << c.target << " " << r.body;
    if (r.status >= 400) {
      Json j = Json::parse(r.body, nullptr, false);
      ASSERT_FALSE(j.is_discarded()) << c.target;
      EXPECT_TRUE(j["message"].is_string());
      EXPECT_TRUE(j["type"].is_string());
    }
  }
}

TEST_F(ServerTest, UnreadableFilesFailCleanlyAndTheServerKeepsServing) {
  TS_REQUIRE_TESTDATA(unreadable, "unreadable.svs");
  TS_REQUIRE_TESTDATA(unopenable, "unopenable.tiff");
  TS_REQUIRE_TESTDATA(good, "boxes.tiff");
  std::string bad_id = Import(unreadable);
  std::string good_id = Import(good);
  HttpResult t = Get("/api/v1/item/" + bad_id + "/tiles/zxy/0/0/0?encoding=PNG");
  EXPECT_EQ(t.status, 500) << t.body;
  Json j = Json::parse(t.body);
  EXPECT_NE(j["message"].get<std::string>().find("unreadable.svs"), std::string::npos) << j.dump();
  // Not a large image at import: Girder's message.
  std::string none_id;
  ImportPaths(app().store(), app().registry(), {unopenable}, import_options(),
              [&](const ImportResult& r) {
                none_id = r.item.id;
                EXPECT_FALSE(r.error.empty());
                EXPECT_NE(r.error.find("52479"), std::string::npos) << r.error;
              })
      .IgnoreError();
  ASSERT_FALSE(none_id.empty());
  HttpResult n = Get("/api/v1/item/" + none_id + "/tiles");
  EXPECT_EQ(n.status, 400);
  EXPECT_EQ(Json::parse(n.body)["message"], "No large image file in this item.");
  // A file that stopped being readable after import: a clean 415 naming the file.
  TempDir tmp;
  std::string copy = tmp.path() + "/was-fine.tiff";
  std::filesystem::copy_file(unopenable, copy);
  const std::string was_fine = AddItem("was-fine.tiff", copy, "tiff");
  ASSERT_FALSE(was_fine.empty());
  HttpResult o = Get("/api/v1/item/" + was_fine + "/tiles");
  EXPECT_EQ(o.status, 415) << o.body;
  EXPECT_NE(o.body.find("was-fine.tiff"), std::string::npos);
  // Meanwhile a good item is served.
  EXPECT_EQ(Get("/api/v1/item/" + good_id + "/tiles/zxy/0/0/0").status, 200);
  EXPECT_EQ(Get("/api/v1/system/check").status, 200);
}

TEST_F(ServerTest, ETagsAndConditionalRequests) {
  TS_REQUIRE_TESTDATA(path, "boxes.tiff");
  std::string id = Import(path);
  const std::string target = "/api/v1/item/" + id + "/tiles/zxy/1/0/0";
  HttpResult first = Get(target);
  ASSERT_EQ(first.status, 200);
  std::string etag = first.Header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(first.Header("cache-control"), "public, max-age=3600");
  HttpResult again = Get(target, {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_NE(Get(target + "?encoding=PNG").Header("etag"), etag);
  HttpResult thumb = Get("/api/v1/item/" + id + "/tiles/thumbnail");
  EXPECT_FALSE(thumb.Header("etag").empty());
  EXPECT_EQ(
      Get("/api/v1/item/" + id + "/tiles/thumbnail", {{"If-None-Match", thumb.Header("etag")}})
          .status,
      304);
}

TEST_F(ServerTest, ThumbnailsFollowLargeImageSizing) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  std::string id = Import(path);
  Image t = DecodeBody(Get("/api/v1/item/" + id + "/tiles/thumbnail"));
  EXPECT_EQ(t.width(), 191);
  EXPECT_EQ(t.height(), 256);
  Image w = DecodeBody(Get("/api/v1/item/" + id + "/tiles/thumbnail?width=100&encoding=PNG"));
  EXPECT_EQ(w.width(), 100);
  EXPECT_EQ(w.height(), 133);
  Image boxed =
      DecodeBody(Get("/api/v1/item/" + id + "/tiles/thumbnail?width=200&height=200&fill=black"));
  EXPECT_EQ(boxed.width(), 200);
  EXPECT_EQ(boxed.height(), 200);
  // Pixels: like large_image, the thumbnail is the smallest level at least as large as the
  // output (level 0 here: 2220/16 x 2967/16), resized. The same with libvips: a 16x box
  // shrink of full resolution, then a Lanczos resize.
  auto full = VipsLoad(path, 0);
  auto level0 = VipsShrink(KeepBands(*full, 3), 16, 16);
  ASSERT_TRUE(level0.ok());
  // Level sizes are floor(size / 2^k) (large_image); vips' shrink rounds up.
  auto ref = VipsResizeTo(level0->Crop(Rect{0, 0, 2220 / 16, 2967 / 16}), 100, 133);
  ASSERT_TRUE(ref.ok());
  Diff d = CompareImages(w, *ref, 100, 133, 3);
  EXPECT_LE(d.mean_abs, 1.5);
  EXPECT_LE(d.max_abs, 12);
  EXPECT_EQ(Get("/api/v1/item/" + id + "/tiles/thumbnail?width=1").status, 400);
  EXPECT_EQ(Get("/api/v1/item/" + id + "/tiles/thumbnail?width=100000&height=100000").status, 400);
}

TEST_F(ServerTest, GeneratedDeepBigTiffPyramid) {
  // A generated BigTIFF pyramid (vips, see the testdata README): 8 levels deep.
  TS_REQUIRE_TESTDATA(src, "CMU-1-Small-Region.svs");
  std::string out = dir_->path() + "/deep.tif";
  std::string cmd = "vips extract_band " + src + " " + dir_->path() +
                    "/t.v 0 --n 3 >/dev/null 2>&1 && vips replicate " + dir_->path() + "/t.v \"" +
                    out +
                    "[tile,tile-width=256,tile-height=256,pyramid,compression=jpeg,Q=80,"
                    "bigtiff]\" 4 3 >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "vips CLI not available";
  std::string id = Import(out);
  Json m = GetJson("/api/v1/item/" + id + "/tiles");
  EXPECT_EQ(m["sizeX"], 2220 * 4);
  EXPECT_EQ(m["sizeY"], 2967 * 3);
  EXPECT_EQ(m["levels"], 7);
  auto full = VipsLoad(out, 0);
  ASSERT_TRUE(full.ok());
  for (auto [z, x, y] : {std::tuple{6, 20, 17}, std::tuple{3, 1, 2}, std::tuple{0, 0, 0}}) {
    HttpResult r = Get("/api/v1/item/" + id + "/tiles/zxy/" + std::to_string(z) + "/" +
                       std::to_string(x) + "/" + std::to_string(y) + "?encoding=PNG&edge=crop");
    ASSERT_EQ(r.status, 200) << r.body;
    Image t = DecodeBody(r);
    int scale = 1 << (6 - z);
    auto level = scale == 1 ? VipsLoad(out, 0) : VipsLoad(out, 6 - z);
    ASSERT_TRUE(level.ok());
    Image expect = level->Crop(Rect{x * 256, y * 256, t.width(), t.height()});
    EXPECT_LE(CompareImages(t, expect, t.width(), t.height(), 3).max_abs, 2) << "z=" << z;
  }
}

}  // namespace
}  // namespace tessera
