// TieredTileCache: a MemoryTileCache in front of a real redis (the shared tier). Two caches on
// one redis stand for two nodes.
#include "cache/tiered_tile_cache.h"

#include <gtest/gtest.h>

#include "cache/redis_tile_cache.h"
#include "cache/shared_cache_test_util.h"
#include "testing/redis_server.h"

namespace tessera {
namespace {

class TieredTileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisServer::Program().empty()) GTEST_SKIP() << "redis-server is not installed";
    ASSERT_TRUE(server_.Start()) << server_.Log();
  }
  std::unique_ptr<TieredTileCache> Node(uint64_t front_bytes = 1 << 20, bool protect = false) {
    SharedTileCacheOptions o;
    o.servers = {server_.address()};
    auto back = OpenRedisTileCache(o);
    EXPECT_TRUE(back.ok());
    return std::make_unique<TieredTileCache>(
        std::make_unique<MemoryTileCache>(front_bytes, 1, protect), std::move(*back));
  }
  RedisServer server_;
};

TEST_F(TieredTileCacheTest, ABackHitFillsTheFront) {
  auto a = Node();
  auto b = Node();
  a->Put(TestKey(1), TestValue(1));
  EXPECT_EQ(a->front().Stats().items, 1u);
  EXPECT_EQ(b->front().Stats().items, 0u);

  TileValuePtr got = b->Get(TestKey(1));  // the other node's tile, from redis
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->bytes, TestValue(1)->bytes);
  EXPECT_EQ(b->back().SharedStats().hits, 1u);
  EXPECT_EQ(b->front().Stats().items, 1u);

  ASSERT_NE(b->Get(TestKey(1)), nullptr);  // now from the front: no second network hit
  EXPECT_EQ(b->back().SharedStats().hits, 1u);
  EXPECT_EQ(b->front().Stats().hits, 1u);

  const TileCacheStats combined = b->Stats();
  EXPECT_EQ(combined.hits, 2u);
  EXPECT_EQ(combined.misses, 0u);
  EXPECT_EQ(b->Get(TestKey(2)), nullptr);
  EXPECT_EQ(b->Stats().misses, 1u);
  auto tiers = b->Tiers();
  ASSERT_TRUE(tiers.has_value());
  ASSERT_TRUE(tiers->front.has_value());
  EXPECT_EQ(tiers->front->items, 1u);
  EXPECT_EQ(tiers->shared.backend, "redis");
  EXPECT_EQ(tiers->shared.misses, 1u);
}

TEST_F(TieredTileCacheTest, GetLocalNeverAsksTheSharedTier) {
  auto a = Node();
  auto b = Node();
  a->Put(TestKey(1), TestValue(1));
  EXPECT_NE(a->GetLocal(TestKey(1)), nullptr);  // in a's front
  EXPECT_EQ(b->GetLocal(TestKey(1)), nullptr);  // only in redis: not local to b
  const SharedTierStats s = b->back().SharedStats();
  EXPECT_EQ(s.hits + s.misses, 0u);
  EXPECT_TRUE(b->has_shared_tier());
  EXPECT_EQ(b->back().GetLocal(TestKey(1)), nullptr);
  ASSERT_NE(b->Get(TestKey(1)), nullptr);  // Get does ask it, and fills the front
  EXPECT_NE(b->GetLocal(TestKey(1)), nullptr);
}

TEST_F(TieredTileCacheTest, PixelsStayInTheFrontByDefault) {
  auto a = Node();
  auto b = Node();
  a->Put(TestKey(1), MakePixelValue(Image(256, 256, 3, PixelType::kU8)));
  EXPECT_NE(a->Get(TestKey(1)), nullptr);
  EXPECT_EQ(b->Get(TestKey(1)), nullptr);
  EXPECT_EQ(a->back().SharedStats().skipped, 1u);
}

TEST_F(TieredTileCacheTest, ClearAndEraseReachBothTiers) {
  auto a = Node();
  auto b = Node();
  a->Put(TestKey(1), TestValue(1));
  a->Put(TestKey(2), TestValue(2));
  ASSERT_NE(b->Get(TestKey(2)), nullptr);
  a->Erase(TestKey(1));
  EXPECT_EQ(a->Get(TestKey(1)), nullptr);
  a->Clear();
  EXPECT_EQ(a->Get(TestKey(2)), nullptr);
  EXPECT_EQ(a->front().Stats().items, 0u);
  // b's front still has its copy (fronts are per node, like any process cache), redis does not.
  EXPECT_EQ(b->back().Get(TestKey(2)), nullptr);
}

TEST_F(TieredTileCacheTest, TheFrontKeepsTheProtectPolicy) {
  // Room for about four 2 KB values; a held value survives a scan of twenty others.
  auto node = Node(/*front_bytes=*/4 * (2000 + 64 + 300), /*protect=*/true);
  node->Put(TestKey(0), TestValue(0));
  TileValuePtr held = node->Get(TestKey(0));  // what the ViewerTracker does for a viewer
  ASSERT_NE(held, nullptr);
  for (int i = 1; i <= 20; ++i) node->Put(TestKey(i), TestValue(i));
  EXPECT_GT(node->front().Stats().protected_skips, 0u);
  const uint64_t back_hits = node->back().SharedStats().hits;
  EXPECT_NE(node->Get(TestKey(0)), nullptr);
  EXPECT_EQ(node->back().SharedStats().hits, back_hits);  // served by the front
}

TEST_F(TieredTileCacheTest, FrontServesWhileTheSharedTierIsDown) {
  auto node = Node();
  node->Put(TestKey(1), TestValue(1));
  server_.Kill();
  EXPECT_NE(node->Get(TestKey(1)), nullptr);
  EXPECT_EQ(node->Get(TestKey(2)), nullptr);
  node->Put(TestKey(3), TestValue(3));
  EXPECT_NE(node->Get(TestKey(3)), nullptr);
  EXPECT_GT(node->back().SharedStats().errors, 0u);
}

}  // namespace
}  // namespace tessera
