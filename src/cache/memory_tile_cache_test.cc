#include "cache/memory_tile_cache.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace tessera {
namespace {

TileValuePtr Value(size_t n) { return MakeEncodedValue(Encoding::kJpeg, Bytes(n, 7)); }

TEST(MemoryTileCacheTest, HitReturnsTheSameObject) {
  MemoryTileCache cache(1 << 20, 1);
  auto v = Value(100);
  cache.Put("a", v);
  EXPECT_EQ(cache.Get("a").get(), v.get());  // shared, not copied
  EXPECT_EQ(cache.Get("b"), nullptr);
  auto st = cache.Stats();
  EXPECT_EQ(st.hits, 1u);
  EXPECT_EQ(st.misses, 1u);
  EXPECT_EQ(st.items, 1u);
}

TEST(MemoryTileCacheTest, BoundedInBytesEvictingLeastRecentlyUsed) {
  const size_t each = 10000;
  const size_t charge = Value(each)->ByteSize() + 1 + MemoryTileCache::kEntryOverhead;
  MemoryTileCache cache(charge * 3, 1);
  cache.Put("a", Value(each));
  cache.Put("b", Value(each));
  cache.Put("c", Value(each));
  ASSERT_NE(cache.Get("a"), nullptr);  // a is now most recent; b is the LRU
  cache.Put("d", Value(each));
  EXPECT_EQ(cache.Get("b"), nullptr);
  EXPECT_NE(cache.Get("a"), nullptr);
  EXPECT_NE(cache.Get("c"), nullptr);
  EXPECT_NE(cache.Get("d"), nullptr);
  auto st = cache.Stats();
  EXPECT_EQ(st.evictions, 1u);
  EXPECT_LE(st.used_bytes, st.capacity_bytes);
  EXPECT_EQ(st.used_bytes, charge * 3);
}

TEST(MemoryTileCacheTest, ManySmallOrFewLargeSameBudget) {
  MemoryTileCache cache(1 << 20, 4);
  for (int i = 0; i < 1000; ++i) cache.Put("k" + std::to_string(i), Value(50000));
  auto st = cache.Stats();
  EXPECT_LE(st.used_bytes, uint64_t{1} << 20);
  EXPECT_LT(st.items, 25u);  // bytes, not item count, bound it
  EXPECT_GT(st.evictions, 900u);
}

TEST(MemoryTileCacheTest, TooLargeValuesAreRejectedNotFatal) {
  MemoryTileCache cache(1000, 1);
  cache.Put("big", Value(5000));
  EXPECT_EQ(cache.Get("big"), nullptr);
  EXPECT_EQ(cache.Stats().rejected, 1u);
}

TEST(MemoryTileCacheTest, ReplaceEraseClear) {
  MemoryTileCache cache(1 << 20);
  cache.Put("a", Value(10));
  auto v2 = Value(20);
  cache.Put("a", v2);
  EXPECT_EQ(cache.Get("a"), v2);
  EXPECT_EQ(cache.Stats().items, 1u);
  cache.Erase("a");
  EXPECT_EQ(cache.Get("a"), nullptr);
  cache.Put("x", Value(1));
  cache.Clear();
  EXPECT_EQ(cache.Stats().items, 0u);
  EXPECT_EQ(cache.Stats().used_bytes, 0u);
}

TEST(MemoryTileCacheTest, ConcurrentUseKeepsAccountsExact) {
  MemoryTileCache cache(200000, 8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string k = "k" + std::to_string((i * 7 + t) % 300);
        if (i % 3) {
          cache.Put(k, Value(1000));
        } else {
          cache.Get(k);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  auto st = cache.Stats();
  EXPECT_LE(st.used_bytes, 200000u);
  uint64_t per = Value(1000)->ByteSize() + MemoryTileCache::kEntryOverhead;
  EXPECT_GE(st.used_bytes, st.items * (per + 2));
  EXPECT_LE(st.used_bytes, st.items * (per + 4));
}

}  // namespace
}  // namespace tessera
