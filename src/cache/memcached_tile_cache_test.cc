// MemcachedTileCache against real memcached servers started by the test (tests/testing/
// memcached_server.h): round trips, values in parts, namespacing, collisions, consistent hashing
// over two servers, and failure (SIGKILL, SIGSTOP) and recovery under concurrent load.
#include "cache/memcached_tile_cache.h"

#include <gtest/gtest.h>
#include <libmemcached/memcached.h>

#include <chrono>
#include <cstdlib>

#include "cache/shared_cache_test_util.h"
#include "cache/tile_value_codec.h"
#include "testing/memcached_server.h"

namespace tessera {
namespace {

using std::chrono::milliseconds;

// A plain libmemcached client: another app sharing the server, or a hand that damages values.
class RawClient {
 public:
  explicit RawClient(const MemcachedServer& server) : m_(memcached_create(nullptr)) {
    memcached_behavior_set(m_, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1);
    memcached_server_add(m_, "127.0.0.1", server.port());
  }
  ~RawClient() { memcached_free(m_); }
  bool Set(const std::string& k, const std::string& v) {
    memcached_return_t rc = memcached_set(m_, k.data(), k.size(), v.data(), v.size(), 0, 0);
    if (rc != MEMCACHED_SUCCESS) ADD_FAILURE() << k << ": " << memcached_last_error_message(m_);
    return rc == MEMCACHED_SUCCESS;
  }
  bool Delete(const std::string& k) {
    return memcached_delete(m_, k.data(), k.size(), 0) == MEMCACHED_SUCCESS;
  }
  // The value, or "<missing>".
  std::string Get(const std::string& k) {
    size_t len = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    char* v = memcached_get(m_, k.data(), k.size(), &len, &flags, &rc);
    std::string out = rc == MEMCACHED_SUCCESS ? std::string(v, len) : "<missing>";
    std::free(v);
    return out;
  }

 private:
  memcached_st* m_;
};

class MemcachedTileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (MemcachedServer::Program().empty()) GTEST_SKIP() << "memcached is not installed";
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
    auto c = OpenMemcachedTileCache(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  MemcachedServer server_;
};

TEST_F(MemcachedTileCacheTest, EncodedAndPixelValuesRoundTrip) {
  SharedTileCacheOptions o = Options();
  o.store_pixels = true;
  auto cache = Open(o);
  EXPECT_EQ(cache->Get(TestKey(1)), nullptr);
  cache->Put(TestKey(1), TestValue(1));
  TileValuePtr got = cache->Get(TestKey(1));
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(*got->encoding, Encoding::kJpeg);
  EXPECT_EQ(got->bytes, TestValue(1)->bytes);

  Image img(64, 32, 4, PixelType::kF32);
  for (int y = 0; y < 32; ++y) {
    for (int x = 0; x < 64 * 4; ++x) img.row_as<float>(y)[x] = float(y) * 0.5f - float(x);
  }
  Image copy = img.Clone();
  cache->Put(TestKey(2), MakePixelValue(std::move(img), /*needs_icc=*/true));
  got = cache->Get(TestKey(2));
  ASSERT_NE(got, nullptr);
  EXPECT_FALSE(got->is_encoded());
  EXPECT_TRUE(got->needs_icc);
  EXPECT_TRUE(got->pixels == copy);

  // Without store_pixels, pixels stay out of the shared tier (counted as skipped).
  auto encoded_only = Open(Options());
  encoded_only->Put(TestKey(3), MakePixelValue(Image(8, 8, 1, PixelType::kU8)));
  EXPECT_EQ(encoded_only->Get(TestKey(3)), nullptr);
  EXPECT_EQ(encoded_only->SharedStats().skipped, 1u);
  // Nor are they asked for: a "|pixels" lookup makes no round trip (no error, no time-out,
  // while the server hangs).
  server_.Pause();
  EXPECT_EQ(encoded_only->Get(TestKey(4) + "|pixels"), nullptr);
  EXPECT_EQ(encoded_only->SharedStats().errors, 0u);
  server_.Resume();

  const SharedTierStats s = cache->SharedStats();
  EXPECT_EQ(s.backend, "memcached");
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.inserts, 2u);
  EXPECT_EQ(s.errors, 0u);
  cache->Erase(TestKey(1));
  EXPECT_EQ(cache->Get(TestKey(1)), nullptr);
}

TEST_F(MemcachedTileCacheTest, KeysAreHashedAndNamespaced) {
  auto cache = Open(Options());
  const std::string long_key(3000, 'k');  // far beyond memcached's 250-byte key limit
  cache->Put(long_key, TestValue(4));
  ASSERT_NE(cache->Get(long_key), nullptr);
  const std::string name = cache->StoredName(long_key);
  EXPECT_EQ(name.rfind("tessera:", 0), 0u) << name;
  EXPECT_EQ(name.size(), cache->StoredName("x").size());
  RawClient raw(server_);
  EXPECT_NE(raw.Get(name), "<missing>");
}

TEST_F(MemcachedTileCacheTest, LargeValuesAreStoredInParts) {
  auto cache = Open(Options());  // item limit 1 MiB, memcached's default
  // A 1024x1024 RGBA PNG-sized value: 4 MiB + a bit, five parts.
  auto big = MakeEncodedValue(Encoding::kPng, PatternBytes((4 << 20) + 12345, 9));
  cache->Put(TestKey(5), big);
  TileValuePtr got = cache->Get(TestKey(5));
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->bytes, big->bytes);
  EXPECT_EQ(cache->SharedStats().multipart_puts, 1u);
  EXPECT_EQ(cache->SharedStats().errors, 0u);
}

TEST_F(MemcachedTileCacheTest, MissingOrDamagedPartIsAMiss) {
  auto cache = Open(Options());
  RawClient raw(server_);
  auto big = MakeEncodedValue(Encoding::kPng, PatternBytes(3 << 20, 10));
  const Bytes blob = EncodeTileValue(TestKey(6), *big);
  const Digest128 check =
      Hash128(std::string_view(reinterpret_cast<const char*>(blob.data()), blob.size()));
  const std::string parts = cache->StoredName(TestKey(6)) + ":" + Hex(check.data(), 8) + ":";

  cache->Put(TestKey(6), big);
  ASSERT_NE(cache->Get(TestKey(6)), nullptr);
  std::string part1 = raw.Get(parts + "1");
  ASSERT_NE(part1, "<missing>");
  part1[100] ^= 1;  // same length, one bit off
  ASSERT_TRUE(raw.Set(parts + "1", part1));
  EXPECT_EQ(cache->Get(TestKey(6)), nullptr);
  EXPECT_EQ(cache->SharedStats().bad_values, 1u);

  cache->Put(TestKey(6), big);
  ASSERT_NE(cache->Get(TestKey(6)), nullptr);
  ASSERT_TRUE(raw.Delete(parts + "2"));
  EXPECT_EQ(cache->Get(TestKey(6)), nullptr);
  EXPECT_EQ(cache->SharedStats().bad_values, 2u);
  EXPECT_EQ(cache->SharedStats().errors, 0u);
}

TEST_F(MemcachedTileCacheTest, ValueOverTheServersLimitIsSkippedNotAnError) {
  // The setting says 4 MiB items, the server keeps its 1 MiB: the server refuses, we count it.
  SharedTileCacheOptions o = Options();
  o.item_max_bytes = 4 << 20;
  auto cache = Open(o);
  cache->Put(TestKey(7), MakeEncodedValue(Encoding::kPng, PatternBytes(2 << 20, 1)));
  EXPECT_EQ(cache->Get(TestKey(7)), nullptr);
  EXPECT_EQ(cache->SharedStats().skipped, 1u);
  EXPECT_EQ(cache->SharedStats().errors, 0u);
  // Small values still go through.
  cache->Put(TestKey(8), TestValue(8));
  EXPECT_NE(cache->Get(TestKey(8)), nullptr);
}

TEST_F(MemcachedTileCacheTest, ACollisionIsAMiss) {
  auto cache = Open(Options());
  RawClient raw(server_);
  // Another key's value stored under our key's name: what a hash collision would look like.
  const Bytes other = EncodeTileValue(TestKey(10), *TestValue(10));
  ASSERT_TRUE(raw.Set(cache->StoredName(TestKey(9)),
                      std::string(reinterpret_cast<const char*>(other.data()), other.size())));
  EXPECT_EQ(cache->Get(TestKey(9)), nullptr);
  EXPECT_EQ(cache->SharedStats().bad_values, 1u);
  // Not a value of ours at all.
  ASSERT_TRUE(raw.Set(cache->StoredName(TestKey(11)), "some other app's bytes"));
  EXPECT_EQ(cache->Get(TestKey(11)), nullptr);
  EXPECT_EQ(cache->SharedStats().bad_values, 2u);
}

TEST_F(MemcachedTileCacheTest, ClearRemovesOnlyOurNamespace) {
  SharedTileCacheOptions o = Options();
  auto ours = Open(o);
  o.generation_refresh_ms = 0;  // a second node that reads the generation on every call
  auto other_node = Open(o);
  o.name_space = "someone-else";
  auto other_ns = Open(o);
  RawClient raw(server_);
  ASSERT_TRUE(raw.Set("foreign-app:key", "keep me"));
  for (int i = 0; i < 20; ++i) ours->Put(TestKey(i), TestValue(i));
  other_ns->Put(TestKey(0), TestValue(0));
  ASSERT_NE(other_node->Get(TestKey(3)), nullptr);  // the nodes share values

  ours->Clear();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(ours->Get(TestKey(i)), nullptr) << i;
  EXPECT_EQ(other_node->Get(TestKey(3)), nullptr);  // the other node sees the new generation
  EXPECT_EQ(raw.Get("foreign-app:key"), "keep me");
  EXPECT_NE(other_ns->Get(TestKey(0)), nullptr);
  EXPECT_EQ(ours->SharedStats().clears, 1u);
  // New values work under the new generation.
  ours->Put(TestKey(1), TestValue(1));
  EXPECT_NE(other_node->Get(TestKey(1)), nullptr);
}

TEST_F(MemcachedTileCacheTest, UnixSocket) {
  TempDir dir;
  MemcachedServer local;
  MemcachedServer::Options so;
  so.unix_socket = dir.path() + "/memcached.sock";
  ASSERT_TRUE(local.Start(so)) << local.Log();
  SharedTileCacheOptions o = Options();
  o.servers = {local.address()};
  auto cache = Open(o);
  cache->Put(TestKey(1), TestValue(1));
  ASSERT_NE(cache->Get(TestKey(1)), nullptr);
  EXPECT_EQ(cache->Get(TestKey(1))->bytes, TestValue(1)->bytes);
}

TEST_F(MemcachedTileCacheTest, ConsistentHashingOverTwoServers) {
  MemcachedServer second;
  ASSERT_TRUE(second.Start()) << second.Log();
  SharedTileCacheOptions o = Options();
  o.servers = {server_.address(), second.address()};
  auto cache = Open(o);
  constexpr int kKeys = 200;
  for (int i = 0; i < kKeys; ++i) cache->Put(TestKey(i), TestValue(i, 100));
  for (int i = 0; i < kKeys; ++i) ASSERT_NE(cache->Get(TestKey(i)), nullptr) << i;
  // The second server dies: its keys are misses, the first server's keys still hit.
  second.Kill();
  int hits = 0;
  for (int i = 0; i < kKeys; ++i) hits += cache->Get(TestKey(i)) != nullptr;
  EXPECT_GT(hits, kKeys / 5);
  EXPECT_LT(hits, kKeys * 4 / 5);
  EXPECT_GT(cache->SharedStats().errors + cache->SharedStats().backoff_misses, 0u);
  // ...and keep hitting: the failed server's back-off does not touch the other one.
  int again = 0;
  for (int i = 0; i < kKeys; ++i) again += cache->Get(TestKey(i)) != nullptr;
  EXPECT_EQ(again, hits);
}

TEST_F(MemcachedTileCacheTest, KilledAndRestartedUnderConcurrentLoad) {
  auto cache = Open(Options());
  CacheLoad load(*cache, 4, 64);
  ASSERT_TRUE(WaitUntil([&] { return load.hits() > 200; }, std::chrono::seconds(20)));
  server_.Kill();
  ASSERT_TRUE(WaitUntil([&] { return cache->SharedStats().errors > 0; }));
  // Every call still returns while the server is gone (misses, mostly answered at once).
  const uint64_t calls = load.calls();
  ASSERT_TRUE(WaitUntil([&] { return load.calls() > calls + 1000; }, std::chrono::seconds(20)));
  EXPECT_GT(cache->SharedStats().backoff_misses, 0u);
  ASSERT_TRUE(server_.Restart()) << server_.Log();
  // Back: a Put then a Get hits again (after the back-off runs out and a probe reconnects).
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
  EXPECT_GT(cache->SharedStats().connects, 1u);  // reconnected
}

TEST_F(MemcachedTileCacheTest, AHungServerCostsOneTimeoutThenBacksOff) {
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
  const auto first = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(first, milliseconds(1500));
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(cache->Get(TestKey(1)), nullptr);
  cache->Put(TestKey(2), TestValue(2));
  // 100 calls during the back-off cost less than one timeout in all.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(100));
  EXPECT_GE(cache->SharedStats().backoff_misses, 100u);
  EXPECT_EQ(cache->SharedStats().errors, 1u);
  server_.Resume();
  ASSERT_TRUE(WaitUntil([&] { return cache->Get(TestKey(1)) != nullptr; }));
}

}  // namespace
}  // namespace tessera
