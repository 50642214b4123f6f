// The multi-user promise, deterministically (an injected clock, no sleeps): the viewer tracker,
// the protect policy of the tile cache and the active-source rule of the source cache.
#include "cache/viewer_tracker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

#include "cache/memory_tile_cache.h"
#include "cache/source_cache.h"

namespace tessera {
namespace {

using std::chrono::seconds;

TileValuePtr Tile(size_t bytes) { return MakeEncodedValue(Encoding::kJpeg, Bytes(bytes, 7)); }

TEST(ViewerTrackerTest, ActiveWithinTheWindowAndAQuotaPerViewer) {
  FakeClock clock;
  ViewerTrackerOptions o;
  o.active_window_nanos = int64_t{300} * 1'000'000'000;
  o.tiles_per_viewer = 3;
  ViewerTracker tracker(clock, o);
  std::vector<TileValuePtr> tiles;
  for (int i = 0; i < 5; ++i) tiles.push_back(Tile(1000));
  for (int i = 0; i < 5; ++i) tracker.RecordTile("alice", "slide-a", tiles[i]);
  tracker.RecordTile("bob", "slide-b", tiles[4]);  // shared with alice's
  EXPECT_TRUE(tracker.IsSourceActive("slide-a"));
  EXPECT_TRUE(tracker.IsSourceActive("slide-b"));
  EXPECT_FALSE(tracker.IsSourceActive("slide-c"));
  // alice holds her last three tiles only; bob's is one of them.
  EXPECT_EQ(tiles[0].use_count(), 1);
  EXPECT_EQ(tiles[1].use_count(), 1);
  EXPECT_EQ(tiles[2].use_count(), 2);
  EXPECT_EQ(tiles[4].use_count(), 3);
  ViewerSummary s = tracker.Summarize();
  EXPECT_EQ(s.active_viewers, 2u);
  EXPECT_EQ(s.active_sources, 2u);
  EXPECT_EQ(s.working_set_tiles, 3u);  // distinct
  EXPECT_EQ(s.working_set_bytes, 3 * tiles[2]->ByteSize());
  // Idle past the window: inactive, and the tiles are let go.
  clock.Advance(seconds(299));
  tracker.RecordTile("bob", "slide-b", tiles[4]);
  EXPECT_TRUE(tracker.IsSourceActive("slide-a"));
  clock.Advance(seconds(2));
  EXPECT_FALSE(tracker.IsSourceActive("slide-a"));
  EXPECT_TRUE(tracker.IsSourceActive("slide-b"));
  tracker.Expire();
  EXPECT_EQ(tiles[2].use_count(), 1);
  EXPECT_EQ(tracker.Summarize().active_viewers, 1u);
}

TEST(ViewerTrackerTest, WithoutPinningItOnlyCounts) {
  FakeClock clock;
  ViewerTrackerOptions o;
  o.pin_tiles = false;
  ViewerTracker tracker(clock, o);
  TileValuePtr t = Tile(500);
  tracker.RecordTile("alice", "slide-a", t);
  EXPECT_EQ(t.use_count(), 1);
  EXPECT_EQ(tracker.Summarize().working_set_bytes, t->ByteSize());
  EXPECT_EQ(tracker.Summarize().pinned_bytes, 0u);
}

TEST(ViewerTrackerTest, HoldsNoMoreThanItsByteBudget) {
  FakeClock clock;
  ViewerTrackerOptions o;
  const TileValuePtr probe = Tile(1000);
  o.max_pinned_bytes = 3 * probe->ByteSize();
  ViewerTracker tracker(clock, o);
  std::vector<TileValuePtr> tiles;
  for (int i = 0; i < 5; ++i) tiles.push_back(Tile(1000));
  for (int i = 0; i < 5; ++i) tracker.RecordTile(i < 3 ? "alice" : "bob", "slide", tiles[i]);
  EXPECT_EQ(tracker.Summarize().pinned_bytes, 3 * probe->ByteSize());
  EXPECT_EQ(tiles[3].use_count(), 1);  // recorded, not held: the budget was spent
  EXPECT_EQ(tracker.Summarize().working_set_tiles, 5u);
  // Alice goes idle: her share is released and bob's next tiles are held again.
  clock.Advance(std::chrono::seconds(301));
  tracker.RecordTile("bob", "slide", tiles[4]);
  tracker.Expire();
  TileValuePtr more = Tile(1000);
  tracker.RecordTile("bob", "slide", more);
  EXPECT_EQ(more.use_count(), 2);
}

// A viewer's viewport against a scan of 10,000 other tiles through a cache that holds about
// 200 tiles: the protect policy keeps the viewport, plain LRU does not.
void ScanAgainstAViewport(bool protect, int* viewport_left) {
  FakeClock clock;
  ViewerTrackerOptions o;
  o.tiles_per_viewer = 64;
  o.pin_tiles = protect;
  ViewerTracker tracker(clock, o);
  const size_t tile_bytes = 4000;
  MemoryTileCache cache(200 * (tile_bytes + 300), 1, protect);
  for (int i = 0; i < 40; ++i) {
    const std::string key = "viewport/" + std::to_string(i);
    TileValuePtr v = Tile(tile_bytes);
    cache.Put(key, v);
    tracker.RecordTile("viewer", "slide-a", v);
  }
  for (int i = 0; i < 10000; ++i) {
    const std::string key = "scan/" + std::to_string(i);
    TileValuePtr v = Tile(tile_bytes);
    cache.Put(key, v);
    tracker.RecordTile("scanner", "slide-b", v);  // the scan is a client too, with its quota
  }
  *viewport_left = 0;
  for (int i = 0; i < 40; ++i)
    *viewport_left += cache.Get("viewport/" + std::to_string(i)) != nullptr;
  EXPECT_LE(cache.Stats().used_bytes, cache.Stats().capacity_bytes);
}

TEST(ProtectPolicyTest, AScanDoesNotEvictAnActiveViewersViewport) {
  int left = 0;
  ScanAgainstAViewport(true, &left);
  EXPECT_EQ(left, 40);
  ScanAgainstAViewport(false, &left);
  EXPECT_EQ(left, 0);  // what plain LRU does
}

class Counted final : public TileSource {
 public:
  std::string_view format_name() const override { return "counted"; }
  const SourceMetadata& metadata() const override { return meta_; }
  bool HasLevel(int, int) const override { return true; }
  StatusOr<Image> ReadTile(int, int, int64_t, int64_t) const override { return Image(); }
  size_t MemoryEstimate() const override { return 1000; }
  int OpenFileCount() const override { return 1; }

 private:
  SourceMetadata meta_;
};

SourceCache::Opener Open(std::atomic<int>* opens) {
  return [opens]() -> StatusOr<SourcePtr> {
    ++*opens;
    return SourcePtr(std::make_shared<Counted>());
  };
}

TEST(ProtectPolicyTest, AnActiveSourceSurvivesAThousandOtherOpensUntilIdle) {
  FakeClock clock;
  ViewerTracker tracker(clock, ViewerTrackerOptions{});
  SourceCacheLimits limits;
  limits.max_sources = 10;
  limits.protect_active = true;
  SourceCache cache(limits);
  cache.SetActivity([&](const std::string& key) { return tracker.IsSourceActive(key); });
  std::atomic<int> opens{0};
  ASSERT_TRUE(cache.GetOrOpen("viewed", Open(&opens)).ok());
  tracker.RecordTile("alice", "viewed", Tile(100));
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(cache.GetOrOpen("other" + std::to_string(i), Open(&opens)).ok());
  EXPECT_NE(cache.Peek("viewed"), nullptr);
  EXPECT_EQ(cache.Stats().active_evictions, 0u);
  EXPECT_LE(cache.Stats().items, 10u);
  // Idle past the window: evictable like any other.
  clock.Advance(seconds(301));
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(cache.GetOrOpen("later" + std::to_string(i), Open(&opens)).ok());
  EXPECT_EQ(cache.Peek("viewed"), nullptr);
  EXPECT_EQ(cache.Stats().active_evictions, 0u);
}

TEST(ProtectPolicyTest, ActiveSourcesGrowPastTheSoftLimitUpToTheHardCeilingAndSayIt) {
  FakeClock clock;
  ViewerTracker tracker(clock, ViewerTrackerOptions{});
  SourceCacheLimits limits;
  limits.max_sources = 4;
  limits.hard_max_sources = 6;
  limits.protect_active = true;
  SourceCache cache(limits);
  cache.SetActivity([&](const std::string& key) { return tracker.IsSourceActive(key); });
  std::atomic<int> opens{0};
  for (int i = 0; i < 8; ++i) {
    const std::string key = "s" + std::to_string(i);
    ASSERT_TRUE(cache.GetOrOpen(key, Open(&opens)).ok());
    tracker.RecordTile("viewer" + std::to_string(i), key, Tile(100));  // everyone is viewed
    const SourceCacheStats st = cache.Stats();
    EXPECT_LE(st.items, 6u) << i;
    EXPECT_EQ(st.over_soft_limits, st.items > 4) << i;
  }
  // Past the hard ceiling the coldest active source went after all, and was counted.
  EXPECT_EQ(cache.Stats().items, 6u);
  EXPECT_EQ(cache.Stats().active_evictions, 2u);
  EXPECT_EQ(cache.Peek("s0"), nullptr);
  EXPECT_NE(cache.Peek("s7"), nullptr);
}

TEST(ProtectPolicyTest, PlainLruEvictsActiveSourcesAndCountsThem) {
  FakeClock clock;
  ViewerTracker tracker(clock, ViewerTrackerOptions{});
  SourceCacheLimits limits;
  limits.max_sources = 2;
  SourceCache cache(limits);
  cache.SetActivity([&](const std::string& key) { return tracker.IsSourceActive(key); });
  std::atomic<int> opens{0};
  ASSERT_TRUE(cache.GetOrOpen("viewed", Open(&opens)).ok());
  tracker.RecordTile("alice", "viewed", Tile(100));
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(cache.GetOrOpen("o" + std::to_string(i), Open(&opens)).ok());
  EXPECT_EQ(cache.Peek("viewed"), nullptr);
  EXPECT_EQ(cache.Stats().active_evictions, 1u);
}

}  // namespace
}  // namespace tessera
