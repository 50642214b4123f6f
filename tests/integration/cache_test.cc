// The caching promises of the spec, proved with counters on the real server and real files:
// a second pass is all hits, 32 concurrent requests for one cold tile decode it once, the
// source opens once under 32 concurrent first requests, import opens nothing into the source
// cache, and a rewritten file is never served stale.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "api/importer.h"
#include "integration/server_fixture.h"
#include "testing/reference.h"
#include "testing/testdata.h"

namespace tessera {
namespace {

using Json = nlohmann::json;

class CacheTest : public ServerFixture {
 protected:
  // Check files on every request, so a rewrite is seen at once (item_resolver_test covers the
  // default interval with a fake clock).
  void Configure(Config& c) override { c.file_check_interval_ms = 0; }
};

// Sends `n` requests for `target` at once, each on its own connection; returns the statuses.
std::vector<int> Concurrent(uint16_t port, const std::string& target, int n) {
  std::vector<std::thread> threads;
  std::vector<int> status(n, 0);
  std::atomic<int> ready{0};
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c("127.0.0.1", port);
      ready++;
      while (ready.load() < n) std::this_thread::yield();
      status[i] = c.Get(target).status;
    });
  }
  for (auto& t : threads) t.join();
  return status;
}

TEST_F(CacheTest, ImportOpensNothingIntoTheSourceCache) {
  TS_REQUIRE_TESTDATA(a, "CMU-1-Small-Region.svs");
  int imported = 0;
  Status s = ImportPaths(app().store(), app().registry(), {TestDataDir()}, import_options(),
                         [&](const ImportResult& r) { imported += !r.item.id.empty(); });
  ASSERT_TRUE(s.ok());
  EXPECT_GE(imported, 10);
  auto st = app().source_cache().Stats();
  EXPECT_EQ(st.items, 0u);
  EXPECT_EQ(st.opens, 0u);
  EXPECT_EQ(app().tile_cache().Stats().items, 0u);
  // Viewing does put the source in the cache.
  ListQuery q;
  q.text = "CMU-1";
  auto items = app().store().ListItems("", q, AccessFilter::All());
  ASSERT_FALSE(items->empty());
  EXPECT_EQ(Get("/api/v1/item/" + items->front().id + "/tiles").status, 200);
  EXPECT_EQ(app().source_cache().Stats().items, 1u);
}

TEST_F(CacheTest, SecondPassOverTheSameTilesIsAllHits) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  std::string id = Import(path);
  std::vector<std::string> targets;
  for (int z = 0; z < 5; ++z) {
    int n = ((2220 >> (4 - z)) + 239) / 240, m = ((2967 >> (4 - z)) + 239) / 240;
    for (int y = 0; y < m; ++y)
      for (int x = 0; x < n; ++x)
        for (const char* enc : {"JPEG", "PNG"})
          targets.push_back("/api/v1/item/" + id + "/tiles/zxy/" + std::to_string(z) + "/" +
                            std::to_string(x) + "/" + std::to_string(y) + "?encoding=" + enc);
  }
  for (const auto& t : targets) ASSERT_EQ(Get(t).status, 200) << t;
  Json before = CacheInfo();
  const uint64_t deferred = app().server().Stats().deferred;
  for (const auto& t : targets) ASSERT_EQ(Get(t).status, 200) << t;
  Json after = CacheInfo();
  // Every second-pass request was answered on the HTTP thread, from the cache.
  EXPECT_EQ(app().server().Stats().deferred, deferred);
  EXPECT_EQ(after["tileCache"]["misses"], before["tileCache"]["misses"]);
  EXPECT_GE(
      after["tileCache"]["hits"].get<uint64_t>() - before["tileCache"]["hits"].get<uint64_t>(),
      targets.size());
  for (const char* k : {"tileReads", "rawReads", "decodes", "encodes", "synthesized"}) {
    EXPECT_EQ(after["tiles"][k], before["tiles"][k]) << k;
  }
  EXPECT_EQ(after["tilesource"]["opens"], 1);
}

TEST_F(CacheTest, ThirtyTwoConcurrentRequestsForOneColdTileDecodeItOnce) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  std::string id = Import(path);
  // PNG of a stored JPEG tile: one raw read, one decode, one encode, however many ask.
  auto statuses = Concurrent(port(), "/api/v1/item/" + id + "/tiles/zxy/4/5/5?encoding=PNG", 32);
  for (int s : statuses) EXPECT_EQ(s, 200);
  Json info = CacheInfo();
  EXPECT_EQ(info["tiles"]["rawReads"], 1);
  EXPECT_EQ(info["tiles"]["decodes"], 1);
  EXPECT_EQ(info["tiles"]["encodes"], 1);
  // A cold synthesized tile too: level 1 of this slide is made from level 2, made from 3, 4.
  auto synth = Concurrent(port(), "/api/v1/item/" + id + "/tiles/zxy/1/0/0?encoding=PNG", 32);
  for (int s : synth) EXPECT_EQ(s, 200);
  Json after = CacheInfo();
  EXPECT_EQ(after["tiles"]["encodes"], 2);
  // Levels 3, 2, 1 synthesized once each for their tiles: 4 + 1... tiles, never twice.
  const uint64_t synthesized = after["tiles"]["synthesized"];
  auto again = Concurrent(port(), "/api/v1/item/" + id + "/tiles/zxy/1/0/0?encoding=PNG", 8);
  EXPECT_EQ(CacheInfo()["tiles"]["synthesized"], synthesized);
}

TEST_F(CacheTest, SourceOpensOnceUnderThirtyTwoConcurrentFirstRequests) {
  TS_REQUIRE_TESTDATA(path, "test3-TRITC-2-560.ndpi");
  std::string id = Import(path);
  auto statuses = Concurrent(port(), "/api/v1/item/" + id + "/tiles", 32);
  for (int s : statuses) EXPECT_EQ(s, 200);
  Json info = CacheInfo();
  EXPECT_EQ(info["tilesource"]["opens"], 1);
  EXPECT_EQ(info["tilesource"]["used"], 1);
}

TEST_F(CacheTest, ARewrittenFileIsNotServedStale) {
  TS_REQUIRE_TESTDATA(boxes, "boxes.tiff");
  TS_REQUIRE_TESTDATA(cogeo, "cogeo.tif");
  std::string path = dir_->path() + "/changing.tif";
  std::filesystem::copy_file(boxes, path);
  std::string id = Import(path);
  const std::string target = "/api/v1/item/" + id + "/tiles/zxy/0/0/0?encoding=PNG";
  HttpResult before = Get(target);
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(GetJson("/api/v1/item/" + id + "/tiles")["sizeX"], 300);
  // Replace the file's content in place (different image, different size).
  std::filesystem::copy_file(cogeo, path, std::filesystem::copy_options::overwrite_existing);
  HttpResult after = Get(target);
  ASSERT_EQ(after.status, 200);
  EXPECT_TRUE(after.body != before.body);
  EXPECT_NE(after.Header("etag"), before.Header("etag"));
  EXPECT_EQ(GetJson("/api/v1/item/" + id + "/tiles")["sizeX"], 1024);
  auto ref = VipsLoad(path, 2);  // page 1 is a mask; page 2, the 512 overview, is level 0
  ASSERT_TRUE(ref.ok());
  Image t = DecodeBody(after);
  EXPECT_LE(CompareImages(t, *ref, 512, 512, 3).max_abs, 2);
}

// A file truncated, then removed, under its open source: errors for that item only, the stale
// source leaves the cache at once, and the file's return is served again (reopened).
TEST_F(CacheTest, ATruncatedOrRemovedFileFailsItsItemOnlyAndIsReopenedWhenBack) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  TS_REQUIRE_TESTDATA(boxes, "boxes.tiff");
  namespace fs = std::filesystem;
  const std::string path = dir_->path() + "/fragile.svs";
  fs::copy_file(svs, path);
  const std::string id = Import(path);
  const std::string other = Import(boxes);
  const std::string tile = "/api/v1/item/" + id + "/tiles/zxy/4/1/1?encoding=PNG";
  HttpResult before = Get(tile);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(app().source_cache().Stats().items, 1u);
  const uint64_t opens = app().source_cache().Stats().opens;
  // Truncated to a tenth: the tiles past the cut cannot be read.
  fs::resize_file(path, fs::file_size(svs) / 10);
  for (const char* t : {"/tiles", "/tiles/zxy/4/1/1", "/tiles/zxy/0/0/0", "/tiles/thumbnail"}) {
    HttpResult r = Get("/api/v1/item/" + id + t);
    EXPECT_GE(r.status, 400) << t;
    EXPECT_LT(r.status, 600) << t;
    auto j = Json::parse(r.body, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << t << ": " << r.body;
    EXPECT_TRUE(j.contains("message") && j.contains("type")) << t << ": " << r.body;
  }
  // Removed: 404 naming the file. The source opened on the old bytes is gone from the cache
  // (`other` is not open yet).
  fs::remove(path);
  HttpResult gone = Get(tile);
  EXPECT_EQ(gone.status, 404) << gone.body;
  EXPECT_NE(gone.body.find("fragile.svs"), std::string::npos) << gone.body;
  EXPECT_EQ(app().source_cache().Stats().items, 0u);
  // Meanwhile the other item is served.
  EXPECT_EQ(Get("/api/v1/item/" + other + "/tiles/zxy/0/0/0").status, 200);
  // The file comes back: reopened, the same pixels as before.
  fs::copy_file(svs, path);
  HttpResult back = Get(tile);
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(back.body, before.body);
  EXPECT_GT(app().source_cache().Stats().opens, opens);
  // Only the current version is open: every stale one was dropped.
  EXPECT_EQ(app().source_cache().Stats().items, 2u);  // this item and `other`
  EXPECT_EQ(Get("/api/v1/system/check").status, 200);
}

TEST_F(CacheTest, CachedImagesAreHitsWithTheirOwnETags) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  TS_REQUIRE_TESTDATA(boxes, "boxes.tiff");
  const std::string a = Import(svs), b = Import(boxes);
  // Thumbnails, associated images and sprites share one flow (ServeCachedImage): the second
  // request is one cache lookup, a hit, and each image's answer has its own ETag.
  for (const std::string tail :
       {"/tiles/thumbnail?width=100", "/tiles/images/label", "/tiles/tile_frames?width=100"}) {
    HttpResult first = Get("/api/v1/item/" + a + tail);
    ASSERT_EQ(first.status, 200) << tail << ": " << first.body;
    const auto before = app().tile_cache().Stats();
    HttpResult again = Get("/api/v1/item/" + a + tail);
    const auto after = app().tile_cache().Stats();
    EXPECT_EQ(again.body, first.body) << tail;
    EXPECT_EQ(after.hits - before.hits, 1u) << tail;
    EXPECT_EQ(after.misses, before.misses) << tail;
    EXPECT_EQ(again.Header("etag"), first.Header("etag")) << tail;
  }
  const std::string thumb = "/tiles/thumbnail?width=100";
  EXPECT_NE(Get("/api/v1/item/" + a + thumb).Header("etag"),
            Get("/api/v1/item/" + b + thumb).Header("etag"));
}

TEST_F(CacheTest, ViewersXCacheAndMetrics) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  const std::string id = Import(svs);
  const std::string tile = "/api/v1/item/" + id + "/tiles/zxy/4/1/1";
  const std::string alice = CreateUser("alice").second;
  const std::string bob = CreateUser("bob").second;
  HttpResult first = Get(tile, {{"Girder-Token", alice}});
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.Header("x-cache"), "miss");
  EXPECT_EQ(Get(tile, {{"Girder-Token", alice}}).Header("x-cache"), "hit");
  EXPECT_EQ(Get(tile, {{"Girder-Token", bob}}).Header("x-cache"), "hit");
  const Json viewers = CacheInfo()["viewers"];
  EXPECT_EQ(viewers["activeViewers"], 2);
  EXPECT_EQ(viewers["activeSources"], 1);
  EXPECT_EQ(viewers["workingSetTiles"], 1);
  // One tile (its bytes plus bookkeeping; the buffer may keep a little slack).
  const auto ws = static_cast<size_t>(viewers["workingSetBytes"].get<int64_t>());
  EXPECT_GE(ws, first.body.size() + sizeof(TileValue));
  EXPECT_LE(ws, first.body.size() + sizeof(TileValue) + first.body.size() / 16 + 64);
  EXPECT_GE(viewers["suggestedTileCacheBytes"].get<int64_t>(),
            viewers["workingSetBytes"].get<int64_t>());
  EXPECT_EQ(CacheInfo()["tilesource"]["activeEvictions"], 0);
  // Prometheus text: counters, gauges, and the latency of the three tile requests by route.
  HttpResult m = Get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.Header("content-type"), "text/plain; version=0.0.4");
  for (const char* line :
       {"# TYPE tessera_tile_cache_hits_total counter\ntessera_tile_cache_hits_total ",
        "tessera_active_viewers 2\n", "tessera_source_cache_active_evictions_total 0\n",
        "tessera_http_request_duration_seconds_count{route=\"/api/v1/item/{id}/tiles/zxy/{z}/"
        "{x}/{y}\"} 3\n",
        "tessera_http_request_duration_seconds_bucket{route=\"/api/v1/item/{id}/tiles/zxy/{z}/"
        "{x}/{y}\",le=\"+Inf\"} 3\n"}) {
    EXPECT_NE(m.body.find(line), std::string::npos) << line << "\n" << m.body.substr(0, 2000);
  }
}

}  // namespace
}  // namespace tessera
