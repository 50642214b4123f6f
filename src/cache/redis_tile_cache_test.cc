// RedisTileCache against a real redis-server started by the test (tests/testing/
// redis_server.h): round trips, values in parts, TTL, AUTH, namespacing, collisions, and failure
// (SIGKILL, SIGSTOP) and recovery under concurrent load.
#include "cache/redis_tile_cache.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>

#include "cache/shared_cache_test_util.h"
#include "cache/tile_value_codec.h"
#include "testing/redis_server.h"

namespace tessera {
namespace {

using std::chrono::milliseconds;

// A plain hiredis client: another app sharing the server, or a hand that looks at values.
class RawClient {
 public:
  explicit RawClient(const RedisServer& server, const std::string& password = "") {
    c_ = redisConnect("127.0.0.1", server.port());
    if (!password.empty()) Command({"AUTH", password});
  }
  ~RawClient() { redisFree(c_); }
  // The reply as text: a string, an integer, "<nil>", or "<error: ...>".
  std::string Command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lens.data()));
    if (!r) return "<no reply>";
    std::string out;
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) {
      out.assign(r->str, r->len);
    } else if (r->type == REDIS_REPLY_INTEGER) {
      out = std::to_string(r->integer);
    } else if (r->type == REDIS_REPLY_NIL) {
      out = "<nil>";
    } else if (r->type == REDIS_REPLY_ERROR) {
      out = "<error: " + std::string(r->str, r->len) + ">";
    } else {
      out = "<array of " + std::to_string(r->elements) + ">";
    }
    freeReplyObject(r);
    return out;
  }

 private:
  redisContext* c_;
};

class RedisTileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisServer::Program().empty()) GTEST_SKIP() << "redis-server is not installed";
    ASSERT_TRUE(server_.Start()) << server_.Log();
  }
  SharedTileCacheOptions Options() {
    SharedTileCacheOptions o;
    o.servers = {server_.address()};
    o.backoff_initial_ms = 20;
    o.backoff_max_ms = 200;
    return o;
  }
  std::unique_ptr<SharedTileCache> Open(const SharedTileCacheOptions& o) {
    auto c = OpenRedisTileCache(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  RedisServer server_;
};

TEST_F(RedisTileCacheTest, EncodedAndPixelValuesRoundTrip) {
  SharedTileCacheOptions o = Options();
  o.store_pixels = true;
  auto cache = Open(o);
  EXPECT_EQ(cache->Get(TestKey(1)), nullptr);
  cache->Put(TestKey(1), TestValue(1));
  TileValuePtr got = cache->Get(TestKey(1));
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->bytes, TestValue(1)->bytes);
  Image img(256, 256, 3, PixelType::kU8);
  for (int y = 0; y < 256; ++y) {
    for (int x = 0; x < 256 * 3; ++x) img.row(y)[x] = uint8_t(x ^ y);
  }
  Image copy = img.Clone();
  cache->Put(TestKey(2), MakePixelValue(std::move(img)));
  got = cache->Get(TestKey(2));
  ASSERT_NE(got, nullptr);
  EXPECT_TRUE(got->pixels == copy);
  EXPECT_EQ(cache->SharedStats().backend, "redis");
  EXPECT_EQ(cache->SharedStats().errors, 0u);
  cache->Erase(TestKey(1));
  EXPECT_EQ(cache->Get(TestKey(1)), nullptr);
}

TEST_F(RedisTileCacheTest, LargeValuesInPartsAndAMissingPartIsAMiss) {
  SharedTileCacheOptions o = Options();
  o.item_max_bytes = 64 << 10;  // parts of 64 KiB, so a 300 KB value has five
  auto cache = Open(o);
  RawClient raw(server_);
  auto big = MakeEncodedValue(Encoding::kPng, PatternBytes(300'000, 5));
  cache->Put(TestKey(3), big);
  TileValuePtr got = cache->Get(TestKey(3));
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->bytes, big->bytes);
  EXPECT_EQ(cache->SharedStats().multipart_puts, 1u);

  const Bytes blob = EncodeTileValue(TestKey(3), *big);
  const Digest128 check =
      Hash128(std::string_view(reinterpret_cast<const char*>(blob.data()), blob.size()));
  const std::string parts = cache->StoredName(TestKey(3)) + ":" + Hex(check.data(), 8) + ":";
  EXPECT_EQ(raw.Command({"EXISTS", parts + "4"}), "1");
  EXPECT_EQ(raw.Command({"SETRANGE", parts + "2", "7", "X"}), std::to_string(64 * 1024 - 512));
  EXPECT_EQ(cache->Get(TestKey(3)), nullptr);  // damaged part
  cache->Put(TestKey(3), big);
  ASSERT_NE(cache->Get(TestKey(3)), nullptr);
  EXPECT_EQ(raw.Command({"DEL", parts + "0"}), "1");
  EXPECT_EQ(cache->Get(TestKey(3)), nullptr);  // missing part
  EXPECT_EQ(cache->SharedStats().bad_values, 2u);
}

TEST_F(RedisTileCacheTest, TtlIsSetOnEveryValue) {
  SharedTileCacheOptions o = Options();
  o.ttl_s = 600;
  o.item_max_bytes = 64 << 10;
  auto cache = Open(o);
  RawClient raw(server_);
  cache->Put(TestKey(1), TestValue(1));
  const int ttl = std::stoi(raw.Command({"TTL", cache->StoredName(TestKey(1))}));
  EXPECT_GT(ttl, 500);
  EXPECT_LE(ttl, 600);
  // Parts too, so volatile-lru can evict every piece of ours.
  cache->Put(TestKey(2), MakeEncodedValue(Encoding::kPng, PatternBytes(100'000, 2)));
  ASSERT_NE(cache->Get(TestKey(2)), nullptr);
  EXPECT_GT(std::stoi(raw.Command({"TTL", cache->StoredName(TestKey(2))})), 500);
  // Without a TTL, no expiry (-1).
  auto no_ttl = Open(Options());
  no_ttl->Put(TestKey(3), TestValue(3));
  EXPECT_EQ(raw.Command({"TTL", no_ttl->StoredName(TestKey(3))}), "-1");
}

TEST_F(RedisTileCacheTest, ACollisionIsAMiss) {
  auto cache = Open(Options());
  RawClient raw(server_);
  const Bytes other = EncodeTileValue(TestKey(10), *TestValue(10));
  EXPECT_EQ(raw.Command({"SET", cache->StoredName(TestKey(9)),
                         std::string(reinterpret_cast<const char*>(other.data()), other.size())}),
            "OK");
  EXPECT_EQ(cache->Get(TestKey(9)), nullptr);
  EXPECT_EQ(cache->SharedStats().bad_values, 1u);
  // A value of another type under our name is a failed call (counted), still a miss.
  EXPECT_EQ(raw.Command({"LPUSH", cache->StoredName(TestKey(11)), "x"}), "1");
  EXPECT_EQ(cache->Get(TestKey(11)), nullptr);
}

TEST_F(RedisTileCacheTest, ClearRemovesOnlyOurNamespace) {
  SharedTileCacheOptions o = Options();
  auto ours = Open(o);
  o.name_space = "tessera-other";  // shares a prefix with ours: must not match tessera:*
  auto other_ns = Open(o);
  RawClient raw(server_);
  EXPECT_EQ(raw.Command({"SET", "foreign-app:key", "keep me"}), "OK");
  EXPECT_EQ(raw.Command({"SET", "tessera", "not ours either"}), "OK");
  for (int i = 0; i < 3000; ++i) ours->Put(TestKey(i), TestValue(i, 10));  // several SCAN pages
  other_ns->Put(TestKey(0), TestValue(0));
  EXPECT_EQ(raw.Command({"DBSIZE"}), "3003");
  ours->Clear();
  EXPECT_EQ(ours->Get(TestKey(7)), nullptr);
  EXPECT_EQ(raw.Command({"DBSIZE"}), "3");  // ours are really gone, not just unreachable
  EXPECT_EQ(raw.Command({"GET", "foreign-app:key"}), "keep me");
  EXPECT_EQ(raw.Command({"GET", "tessera"}), "not ours either");
  EXPECT_NE(other_ns->Get(TestKey(0)), nullptr);
  EXPECT_EQ(ours->SharedStats().clears, 1u);
}

TEST_F(RedisTileCacheTest, AuthWithPassword) {
  RedisServer locked;
  RedisServer::Options so;
  so.password = "s3cret";
  ASSERT_TRUE(locked.Start(so)) << locked.Log();
  SharedTileCacheOptions o = Options();
  o.servers = {locked.address()};
  o.password = "wrong";
  auto refused = Open(o);
  refused->Put(TestKey(1), TestValue(1));
  EXPECT_EQ(refused->Get(TestKey(1)), nullptr);
  EXPECT_GT(refused->SharedStats().errors, 0u);
  o.password = "s3cret";
  auto cache = Open(o);
  cache->Put(TestKey(1), TestValue(1));
  ASSERT_NE(cache->Get(TestKey(1)), nullptr);
  EXPECT_EQ(cache->SharedStats().errors, 0u);
  RawClient raw(locked, "s3cret");
  EXPECT_EQ(raw.Command({"EXISTS", cache->StoredName(TestKey(1))}), "1");
}

TEST_F(RedisTileCacheTest, UnixSocket) {
  TempDir dir;
  RedisServer local;
  RedisServer::Options so;
  so.unix_socket = dir.path() + "/redis.sock";
  ASSERT_TRUE(local.Start(so)) << local.Log();
  SharedTileCacheOptions o = Options();
  o.servers = {local.address()};
  auto cache = Open(o);
  cache->Put(TestKey(1), TestValue(1));
  TileValuePtr got = cache->Get(TestKey(1));
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->bytes, TestValue(1)->bytes);
}

TEST_F(RedisTileCacheTest, OneServerOnly) {
  SharedTileCacheOptions o = Options();
  o.servers.push_back("127.0.0.1:1");
  EXPECT_EQ(OpenRedisTileCache(o).status().code(), StatusCode::kInvalidArgument);
  o = Options();
  o.name_space = "has space";
  EXPECT_EQ(OpenRedisTileCache(o).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(RedisTileCacheTest, KilledAndRestartedUnderConcurrentLoad) {
  auto cache = Open(Options());
  CacheLoad load(*cache, 4, 64);
  ASSERT_TRUE(WaitUntil([&] { return load.hits() > 200; }, std::chrono::seconds(20)));
  server_.Kill();
  ASSERT_TRUE(WaitUntil([&] { return cache->SharedStats().errors > 0; }));
  const uint64_t calls = load.calls();
  ASSERT_TRUE(WaitUntil([&] { return load.calls() > calls + 1000; }, std::chrono::seconds(20)));
  EXPECT_GT(cache->SharedStats().backoff_misses, 0u);
  ASSERT_TRUE(server_.Restart()) << server_.Log();
  ASSERT_TRUE(WaitUntil(
      [&] {
        cache->Put(TestKey(1000), TestValue(1000));
        TileValuePtr v = cache->Get(TestKey(1000));
        return v && v->bytes == TestValue(1000)->bytes;
      },
      std::chrono::seconds(20)));
  const uint64_t hits = load.hits();
  ASSERT_TRUE(WaitUntil([&] { return load.hits() > hits + 200; }, std::chrono::seconds(20)));
  load.Stop();
  EXPECT_EQ(load.wrong(), 0u);
  EXPECT_GT(cache->SharedStats().connects, 1u);
}

TEST_F(RedisTileCacheTest, AHungServerCostsOneTimeoutThenBacksOff) {
  SharedTileCacheOptions o = Options();
  o.timeout_ms = 100;
  o.backoff_initial_ms = 2000;
  o.backoff_max_ms = 2000;
  auto cache = Open(o);
  cache->Put(TestKey(1), TestValue(1));
  ASSERT_NE(cache->Get(TestKey(1)), nullptr);
  server_.Pause();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(cache->Get(TestKey(1)), nullptr);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(1500));
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(cache->Get(TestKey(1)), nullptr);
  cache->Put(TestKey(2), TestValue(2));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(100));
  EXPECT_GE(cache->SharedStats().backoff_misses, 100u);
  EXPECT_EQ(cache->SharedStats().errors, 1u);
  server_.Resume();
  ASSERT_TRUE(WaitUntil([&] { return cache->Get(TestKey(1)) != nullptr; }));
}

}  // namespace
}  // namespace tessera
