// The server with a shared tile tier (cache-backend = memcached and redis), each against a real
// server started by the test: a tile asked for twice is made once, the second time it comes
// from the shared tier; a restarted node (new process memory) still finds it there; and the
// tiles keep being served while the shared tier is down.
#include <gtest/gtest.h>

#include "integration/server_fixture.h"
#include "testing/memcached_server.h"
#include "testing/redis_server.h"
#include "testing/testdata.h"

namespace tessera {
namespace {

using Json = nlohmann::json;

class SharedCacheTest : public ServerFixture, public ::testing::WithParamInterface<const char*> {
 protected:
  void SetUp() override {
    const std::string backend = GetParam();
    if (backend == "memcached") {
      if (MemcachedServer::Program().empty()) GTEST_SKIP() << "memcached is not installed";
      ASSERT_TRUE(memcached_.Start()) << memcached_.Log();
      address_ = memcached_.address();
    } else {
      if (RedisServer::Program().empty()) GTEST_SKIP() << "redis-server is not installed";
      ASSERT_TRUE(redis_.Start()) << redis_.Log();
      address_ = redis_.address();
    }
    ServerFixture::SetUp();
  }
  void Configure(Config& c) override {
    c.cache_backend = GetParam();
    c.cache_servers = {address_};
    c.cache_front_bytes = front_bytes_;
  }
  void KillSharedTier() {
    memcached_.Kill();
    redis_.Kill();
  }

  MemcachedServer memcached_;
  RedisServer redis_;
  std::string address_;
  uint64_t front_bytes_ = 0;  // the shared tier alone: every hit is a network hit
};

TEST_P(SharedCacheTest, TheSecondRequestComesFromTheSharedTier) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  const std::string id = Import(path);
  const std::string target = "/api/v1/item/" + id + "/tiles/zxy/4/5/5?encoding=PNG";
  HttpResult first = Get(target);
  ASSERT_EQ(first.status, 200);
  const Json before = CacheInfo();
  ASSERT_TRUE(before.contains("tileCacheBackend")) << before.dump();
  EXPECT_EQ(before["tileCacheBackend"]["backend"], GetParam());
  EXPECT_TRUE(before["tileCacheBackend"]["front"].is_null());
  HttpResult second = Get(target);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.body, first.body);
  const Json after = CacheInfo();
  EXPECT_GT(after["tileCacheBackend"]["hits"].get<uint64_t>(),
            before["tileCacheBackend"]["hits"].get<uint64_t>());
  for (const char* k : {"tileReads", "rawReads", "decodes", "encodes"}) {
    EXPECT_EQ(after["tiles"][k], before["tiles"][k]) << k;
  }
  EXPECT_EQ(after["tileCacheBackend"]["errors"], 0);
  // A stored JPEG tile (passthrough): the second time from the shared tier, not the file.
  const std::string jpeg = "/api/v1/item/" + id + "/tiles/zxy/4/2/2";
  ASSERT_EQ(Get(jpeg).status, 200);
  const Json read = CacheInfo();
  ASSERT_EQ(Get(jpeg).status, 200);
  const Json reread = CacheInfo();
  EXPECT_EQ(reread["tiles"]["rawReads"], read["tiles"]["rawReads"]);
  EXPECT_GT(reread["tileCacheBackend"]["hits"].get<uint64_t>(),
            read["tileCacheBackend"]["hits"].get<uint64_t>());
  const std::string metrics = Get("/metrics").body;
  EXPECT_NE(metrics.find("tessera_tile_cache_backend_errors_total 0"), std::string::npos);
  EXPECT_NE(metrics.find("tessera_tile_cache_backend_hits_total"), std::string::npos);
}

TEST_P(SharedCacheTest, ARestartedTwoTierNodeFindsItsTilesInTheSharedTier) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  front_bytes_ = 64 << 20;
  TearDown();
  ServerFixture::SetUp();  // again, with a front tier
  const std::string id = Import(path);
  const std::string target = "/api/v1/item/" + id + "/tiles/zxy/4/3/2?encoding=PNG";
  HttpResult first = Get(target);
  ASSERT_EQ(first.status, 200);
  ASSERT_FALSE(CacheInfo()["tileCacheBackend"]["front"].is_null());
  ASSERT_NO_FATAL_FAILURE(Restart());  // the same node's second life: a fresh process memory
  HttpResult again = Get(target);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  const Json info = CacheInfo();
  EXPECT_EQ(info["tiles"]["encodes"], 0);  // nothing made: the shared tier had it
  EXPECT_GE(info["tileCacheBackend"]["hits"].get<uint64_t>(), 1u);
  EXPECT_GE(info["tileCacheBackend"]["front"]["items"].get<uint64_t>(), 1u);  // filled from it
  HttpResult third = Get(target);  // now from the front tier
  EXPECT_EQ(third.body, first.body);
  EXPECT_EQ(CacheInfo()["tileCacheBackend"]["hits"], info["tileCacheBackend"]["hits"]);
}

TEST_P(SharedCacheTest, TilesAreServedWhileTheSharedTierIsDown) {
  TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
  const std::string id = Import(path);
  ASSERT_EQ(Get("/api/v1/item/" + id + "/tiles/zxy/4/1/1").status, 200);
  KillSharedTier();
  for (int x = 0; x < 4; ++x) {
    ASSERT_EQ(Get("/api/v1/item/" + id + "/tiles/zxy/4/" + std::to_string(x) + "/2").status, 200);
  }
  const Json info = CacheInfo();
  EXPECT_GT(info["tileCacheBackend"]["errors"].get<uint64_t>() +
                info["tileCacheBackend"]["backoffMisses"].get<uint64_t>(),
            0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, SharedCacheTest, ::testing::Values("memcached", "redis"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace tessera
