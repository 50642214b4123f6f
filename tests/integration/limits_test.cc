// The hardening limits end to end (docs/security.md#limits-and-their-defaults): expensive
// requests run on workers of their own and beyond max-expensive get 503 + Retry-After at once,
// while tiles and cache hits keep flowing; a region-sized request past max-decoded-bytes is refused
// before its pixels are assembled; images past max-levels / max-frames are refused on open, and
// are not made large images by import, uploads or POST /item/{id}/tiles.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "api/router.h"
#include "core/strings.h"
#include "http/server.h"
#include "integration/server_fixture.h"
#include "testing/child_process.h"
#include "testing/http_client.h"
#include "testing/images.h"
#include "testing/reference.h"
#include "testing/testdata.h"

namespace tessera {
namespace {

using Json = nlohmann::json;

ApiResponse Text(const std::string& s) {
  return ApiResponse::Content(std::make_shared<const Bytes>(s.begin(), s.end()), "text/plain");
}

// A real HttpServer whose expensive route holds its worker until the test releases it (the
// injected fault: a region that takes long), beside a cheap deferred route (a tile) and an
// immediate one (a cache hit). One expensive worker; two expensive requests at most.
class ExpensiveLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/api/v1/slow", [this](ApiRequest&) {
      return HandlerResult::Expensive([this]() {
        if (!started_flag_.exchange(true)) started_.set_value();
        release_.wait();
        return Text("slow done");
      });
    });
    router_.Add("GET", "/api/v1/quick", [](ApiRequest&) {
      return HandlerResult::Expensive([]() { return Text("quick done"); });
    });
    router_.Add("GET", "/api/v1/tile",
                [](ApiRequest&) { return HandlerResult(Deferred([]() { return Text("tile"); })); });
    router_.Add("GET", "/api/v1/hit", [](ApiRequest&) { return HandlerResult(Text("hit")); });
    ServerOptions so;
    so.port = 0;
    so.workers = 1;
    so.expensive_workers = 1;
    so.max_expensive = 2;
    server_ = std::make_unique<HttpServer>(so, router_);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (!released_) unblock_.set_value();
    server_->Stop();
  }
  void Release() {
    released_ = true;
    unblock_.set_value();
  }

  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<bool> started_flag_{false};
  std::promise<void> started_;
  std::promise<void> unblock_;
  std::shared_future<void> release_ = unblock_.get_future().share();
  bool released_ = false;
};

TEST_F(ExpensiveLimitTest, BeyondTheLimitIs503WithRetryAfterWhileTilesFlow) {
  HttpResult slow, queued;
  std::thread holder([&] {
    HttpClient c("127.0.0.1", server_->port());
    slow = c.Get("/api/v1/slow");
  });
  started_.get_future().wait();  // the one expensive worker is busy
  std::thread waiter([&] {       // the second may wait its turn
    HttpClient c("127.0.0.1", server_->port());
    queued = c.Get("/api/v1/quick");
  });
  ASSERT_TRUE(WaitUntil([&] { return server_->Stats().expensive == 2; }, std::chrono::seconds(10)));

  HttpClient client("127.0.0.1", server_->port());
  HttpResult refused = client.Get("/api/v1/quick");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.Header("retry-after"), "1");
  Json j = Json::parse(refused.body);
  EXPECT_NE(j["message"].get<std::string>().find("max-expensive 2"), std::string::npos) << j;
  EXPECT_TRUE(j.contains("type"));
  // Tiles (deferred to the tile workers) and immediate answers keep flowing on the same
  // connection while every expensive worker is held.
  for (int i = 0; i < 20; ++i) {
    HttpResult t = client.Get("/api/v1/tile");
    ASSERT_EQ(t.status, 200);
    EXPECT_EQ(t.body, "tile");
    EXPECT_EQ(client.Get("/api/v1/hit").status, 200);
  }
  EXPECT_EQ(client.Get("/api/v1/quick").status, 503);
  EXPECT_EQ(server_->Stats().rejected_expensive, 2u);
  EXPECT_EQ(server_->Stats().expensive, 2);  // the second one is still waiting its turn

  Release();
  holder.join();
  waiter.join();
  EXPECT_EQ(slow.status, 200);
  EXPECT_EQ(slow.body, "slow done");
  EXPECT_EQ(queued.status, 200);  // it waited, it was not refused
  EXPECT_EQ(queued.body, "quick done");
  EXPECT_EQ(server_->Stats().expensive, 0);
  HttpResult after = client.Get("/api/v1/quick");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, "quick done");
  EXPECT_EQ(server_->Stats().rejected_expensive, 2u);
}

// The synthetic "test" item (256 x 512 tiles of 256 px, RGB 8-bit) with a 4 MiB pixel budget.
class DecodedBytesTest : public ServerFixture {
 protected:
  void Configure(Config& c) override { c.max_decoded_bytes = 4 << 20; }
};

TEST_F(DecodedBytesTest, RegionSizedRequestsKeepToThePixelBudget) {
  // 1024 x 1024 x 3 bytes = 3 MiB: within.
  HttpResult ok = Get("/api/v1/item/test/tiles/region?left=0&top=0&right=1024&bottom=1024");
  ASSERT_EQ(ok.status, 200) << ok.body;
  Image img = DecodeBody(ok);
  EXPECT_EQ(img.width(), 1024);
  // 2048 x 2048 x 3 = 12 MiB at full resolution: refused, in Girder's shape.
  HttpResult big = Get("/api/v1/item/test/tiles/region?left=0&top=0&right=2048&bottom=2048");
  EXPECT_EQ(big.status, 400) << big.body;
  Json j = Json::parse(big.body);
  EXPECT_NE(j["message"].get<std::string>().find("max-decoded-bytes"), std::string::npos) << j;
  EXPECT_EQ(j["type"], "rest");
  // The same area at half resolution reads a level with a quarter of the pixels: within.
  HttpResult half =
      Get("/api/v1/item/test/tiles/region?left=0&top=0&right=2048&bottom=2048&width=1024");
  ASSERT_EQ(half.status, 200) << half.body;
  EXPECT_EQ(DecodeBody(half).width(), 1024);
  // Histograms read regions too.
  EXPECT_EQ(Get("/api/v1/item/test/tiles/histogram?left=0&top=0&right=2048&bottom=2048&"
                "resample=false")
                .status,
            400);
  EXPECT_EQ(Get("/api/v1/item/test/tiles/histogram?left=0&top=0&right=512&bottom=512&"
                "resample=false")
                .status,
            200);
  // Tiles are not region-sized work: not limited.
  EXPECT_EQ(Get("/api/v1/item/test/tiles/zxy/9/0/0").status, 200);
  EXPECT_EQ(Get("/api/v1/system/check").status, 200);
}

// max-header-bytes and max-body-bytes (431 and 413, the connection closed, the server serving
// on) and max-image-side (the item's open refused), set low.
class RequestSizeLimitsTest : public ServerFixture {
 protected:
  void Configure(Config& c) override {
    c.max_header_bytes = 2048;
    c.max_body_bytes = 4096;
    c.max_image_side = 1000;
  }
};

TEST_F(RequestSizeLimitsTest, HeadersAndBodiesPastTheLimitsAreRefused) {
  auto header_of = [](size_t n) {
    return "GET /api/v1/system/version HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(n, 'a') +
           "\r\n\r\n";
  };
  std::string raw = client_->Raw(header_of(1000));
  EXPECT_EQ(raw.rfind("HTTP/1.1 200 ", 0), 0u) << raw.substr(0, 200);
  raw = client_->Raw(header_of(3000));
  EXPECT_EQ(raw.rfind("HTTP/1.1 431 ", 0), 0u) << raw.substr(0, 200);
  EXPECT_NE(raw.find("\"message\""), std::string::npos) << raw;

  // A body within the limit reaches the router (405: the route takes no POST); one past it is
  // refused before it is read.
  HttpResult small = client_->Request("POST", "/api/v1/system/version", {}, std::string(3000, 'x'));
  EXPECT_EQ(small.status, 405) << small.body;
  HttpResult big = client_->Request("POST", "/api/v1/system/version", {}, std::string(5000, 'x'));
  EXPECT_EQ(big.status, 413) << big.body;
  const Json refusal = Json::parse(big.body);  // Girder's error shape
  EXPECT_EQ(refusal["type"], "rest") << big.body;
  EXPECT_NE(refusal["message"].get<std::string>().find("body limit"), std::string::npos);
  EXPECT_EQ(Get("/api/v1/system/version").status, 200);
}

TEST_F(RequestSizeLimitsTest, AnImageWithALongerSideIsRefusedForThatItemOnly) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");  // 2220 x 2967
  const std::string id = AddItem("CMU-1-Small-Region.svs", svs, "tiff");
  ASSERT_FALSE(id.empty());
  HttpResult r = Get("/api/v1/item/" + id + "/tiles");
  EXPECT_GE(r.status, 400) << r.body;
  EXPECT_NE(Json::parse(r.body)["message"].get<std::string>().find("1000"), std::string::npos)
      << r.body;
  EXPECT_EQ(Get("/api/v1/item/test/tiles/zxy/0/0/0").status, 200);
}

class OpenLimitsTest : public ServerFixture {
 protected:
  void Configure(Config& c) override { c.max_levels = 3; }
};

TEST_F(OpenLimitsTest, AnImageWithTooManyLevelsIsRefusedForThatItemOnly) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  // Imported as a large image before the limit was lowered (the built-in limits): import itself
  // checks the configured ones (ImportAndUploadsUseTheConfiguredLimits below).
  ImportOptions before = import_options();
  before.open = OpenOptions();
  std::string id;
  ASSERT_TRUE(
      ImportPaths(app().store(), app().registry(), {svs}, before, [&](const ImportResult& r) {
        id = r.item.id;
      }).ok());
  ASSERT_FALSE(id.empty());
  HttpResult r = Get("/api/v1/item/" + id + "/tiles");
  EXPECT_GE(r.status, 400) << r.body;
  Json j = Json::parse(r.body);
  EXPECT_NE(j["message"].get<std::string>().find("max-levels"), std::string::npos) << j;
  // The server keeps serving other items.
  EXPECT_EQ(Get("/api/v1/item/test/tiles/zxy/0/0/0").status, 200);
}

// Every way a file becomes a large image checks it against the configured max-levels, as the
// tile service will: a 3-level pyramidal TIFF under max-levels 2 becomes a plain item (with the
// reason), under max-levels 3 a large image. Through the fixture's ImportPaths (as `tessera
// import`), REST import, an upload, and POST /item/{id}/tiles.
class ImportLimitsTest : public ServerFixture, public ::testing::WithParamInterface<int> {
 protected:
  void Configure(Config& c) override {
    c.max_levels = GetParam();
    roots_ = std::make_unique<TempDir>();
    c.import_roots = {roots_->path()};
  }
  bool Fits() const { return GetParam() >= 3; }
  std::unique_ptr<TempDir> roots_;
};

TEST_P(ImportLimitsTest, ImportAndUploadsUseTheConfiguredLimits) {
  std::string error;
  const std::string tiff = VipsEncode(Noise(256, 256, 3, PixelType::kU8),
                                      ".tif[tile,pyramid,tile-width=64,tile-height=64]", &error);
  ASSERT_FALSE(tiff.empty()) << error;
  const std::string path = roots_->path() + "/pyramid.tif";
  std::ofstream(path, std::ios::binary) << tiff;
  {
    OpenOptions unlimited;
    auto opened = app().registry().Open(path, unlimited);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    ASSERT_EQ((*opened)->metadata().levels, 3);
  }

  // ImportPaths with the server's options (what `tessera import` does with its flags).
  ImportResult imported;
  ASSERT_TRUE(ImportPaths(app().store(), app().registry(), {path}, import_options(),
                          [&](const ImportResult& r) { imported = r; })
                  .ok());
  ASSERT_FALSE(imported.item.id.empty()) << imported.error;  // an item either way
  EXPECT_EQ(imported.item.source_name.empty(), !Fits()) << imported.error;
  if (!Fits()) {
    EXPECT_NE(imported.error.find("max-levels"), std::string::npos) << imported.error;
  }
  const std::string admin = AdminToken();
  Json item = CallJson("GET", "/api/v1/item/" + imported.item.id, admin);
  EXPECT_EQ(item.contains("largeImage"), Fits()) << item.dump();
  EXPECT_EQ(Call("GET", "/api/v1/item/" + imported.item.id + "/tiles", admin).status,
            Fits() ? 200 : 400);

  // REST import (a second item for the same path is not made: into a folder of its own).
  Json folder = CallJson(
      "POST",
      "/api/v1/folder?parentType=folder&parentId=" + import_options().folder_id + "&name=rest",
      admin);
  std::filesystem::create_directories(roots_->path() + "/rest");
  std::ofstream(roots_->path() + "/rest/again.tif", std::ios::binary) << tiff;
  Json rest =
      CallJson("POST",
               "/api/v1/assetstore/000000000000000000000001/import?importPath=" +
                   UrlEncode(roots_->path() + "/rest") +
                   "&destinationType=folder&destinationId=" + folder["_id"].get<std::string>(),
               admin);
  EXPECT_EQ(rest["imported"], 1) << rest.dump();
  EXPECT_EQ(rest["largeImages"], Fits() ? 1 : 0) << rest.dump();

  // An upload: the finished file makes its new item a large image or not.
  Json up = CallJson("POST",
                     "/api/v1/file?parentType=folder&parentId=" + folder["_id"].get<std::string>() +
                         "&name=up.tif&size=" + std::to_string(tiff.size()),
                     admin);
  ASSERT_TRUE(up.contains("_id")) << up.dump();
  HttpResult done =
      Call("POST", "/api/v1/file/chunk?uploadId=" + up["_id"].get<std::string>() + "&offset=0",
           admin, tiff, {{"Content-Type", "application/octet-stream"}});
  ASSERT_EQ(done.status, 200) << done.body;
  const std::string uploaded_item = Json::parse(done.body)["itemId"];
  EXPECT_EQ(CallJson("GET", "/api/v1/item/" + uploaded_item, admin).contains("largeImage"), Fits());

  // POST /item/{id}/tiles on the plain item: a file that opens within the limits is taken as it
  // is (null); one beyond them is not taken (a conversion job is started instead).
  if (!Fits()) {
    HttpResult tiles = Call("POST", "/api/v1/item/" + uploaded_item + "/tiles", admin);
    ASSERT_EQ(tiles.status, 200) << tiles.body;
    EXPECT_EQ(Json::parse(tiles.body)["_modelType"], "job") << tiles.body;
  }
}

INSTANTIATE_TEST_SUITE_P(MaxLevels, ImportLimitsTest, ::testing::Values(2, 3),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "MaxLevels" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace tessera
