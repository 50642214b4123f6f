// Belady (MIN with bypass) and LRU on hand-made traces whose answers are worked out by hand in
// the comments.
#include "belady.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::sim {
namespace {

// "ABC" with every item `bytes` long.
std::vector<TraceRequest> Trace(const std::string& keys, uint64_t bytes = 1) {
  std::vector<TraceRequest> t;
  for (char c : keys) t.push_back({std::string(1, c), bytes});
  return t;
}

std::vector<bool> Hits(const std::string& pattern) {  // "..h.h" -> hit flags
  std::vector<bool> h;
  for (char c : pattern) h.push_back(c == 'h');
  return h;
}

// The textbook sequence of Belady's anomaly with 3 frames: MIN faults 7 times, LRU 10 times.
TEST(BeladyTest, ClassicSequenceThreeFrames) {
  const auto t = Trace("ABCDABEABCDE");
  // MIN: A B C miss and fill the cache. D (next use 10) is used later than A (4), B (5) and
  // C (9): bypassed. A B hit. E (next 11) again later than A (7) B (8) C (9): bypassed. A B C
  // hit. D and E are never used again: bypassed. 5 hits.
  const CacheSimResult b = SimulateBelady(t, 3);
  EXPECT_EQ(b.hit, Hits("....hh.hhh.."));
  EXPECT_EQ(b.hits, 5u);
  EXPECT_EQ(b.requests, 12u);
  EXPECT_EQ(b.evictions, 0u);
  EXPECT_DOUBLE_EQ(b.HitRatio(), 5.0 / 12);
  // LRU: [A B C], D evicts A, A evicts B, B evicts C, E evicts D -> [A B E]; A B hit; C evicts
  // E, D evicts A, E evicts B. 2 hits, 7 evictions.
  const CacheSimResult l = SimulateLru(t, 3);
  EXPECT_EQ(l.hit, Hits(".......hh..."));
  EXPECT_EQ(l.hits, 2u);
  EXPECT_EQ(l.evictions, 7u);
}

TEST(BeladyTest, IncomingItemUsedLatestIsBypassed) {
  // Capacity 2. A B miss [A B]. C's next use (5) is later than A's (3) and B's (4): evicting
  // either would cost a hit sooner than C could give one, so C is bypassed. A and B hit, C
  // misses. (MIN without bypass evicts B and also scores 2.)
  const auto t = Trace("ABCABC");
  const CacheSimResult b = SimulateBelady(t, 2);
  EXPECT_EQ(b.hit, Hits("...hh."));
  EXPECT_EQ(b.evictions, 0u);
  // LRU on a cyclic pattern larger than the cache: never a hit.
  EXPECT_EQ(SimulateLru(t, 2).hits, 0u);
  // Both with room for everything: only the first use of each key misses.
  EXPECT_EQ(SimulateBelady(t, 3).hits, 3u);
  EXPECT_EQ(SimulateLru(t, 3).hits, 3u);
}

TEST(BeladyTest, EvictsTheFarthestNextUse) {
  // Capacity 2. A B miss [A B]. C (next use 4): A's next use is 3, B's 5 -> evict B, the
  // farthest and later than C. A hits, C hits, B misses (never used again afterwards).
  const auto t = Trace("ABCACB");
  const CacheSimResult b = SimulateBelady(t, 2);
  EXPECT_EQ(b.hit, Hits("...hh."));
  EXPECT_EQ(b.evictions, 1u);
  // LRU: C evicts A, A evicts B, C hits, B evicts A. One hit.
  EXPECT_EQ(SimulateLru(t, 2).hit, Hits("....h."));
}

TEST(BeladyTest, VariableSizesBypassWhenOnlySoonerItemsCouldMakeRoom) {
  // Capacity 10: A(5) B(5) fill it. C(8) is used again at 4; freeing 8 bytes would need both A
  // (next 5, later than C) and B (next 3, sooner than C): C is bypassed and A stays. B hits at 3;
  // C misses at 4 (never used again: bypassed); A hits at 5.
  std::vector<TraceRequest> t = {{"A", 5}, {"B", 5}, {"C", 8}, {"B", 5}, {"C", 8}, {"A", 5}};
  const CacheSimResult b = SimulateBelady(t, 10);
  EXPECT_EQ(b.hit, Hits("...h.h"));
  EXPECT_EQ(b.evictions, 0u);
  EXPECT_EQ(b.bytes, 36u);
  EXPECT_EQ(b.hit_bytes, 10u);
  EXPECT_DOUBLE_EQ(b.ByteHitRatio(), 10.0 / 36);
  // LRU: C evicts A and B; B evicts C; C evicts B; A evicts C. No hit, 5 evictions.
  const CacheSimResult l = SimulateLru(t, 10);
  EXPECT_EQ(l.hits, 0u);
  EXPECT_EQ(l.evictions, 5u);
}

TEST(BeladyTest, VariableSizesEvictSeveralFarItems) {
  // Capacity 10: A(4) B(4) cached. C(8) next use 3, A next 5, B next 4: both are later than C,
  // evicting both frees 8: C is cached. C hits at 3; B misses at 4 (never again: bypassed), A
  // misses at 5. LRU: C evicts A and B; C hits; B evicts C; A fits beside B. One hit each.
  std::vector<TraceRequest> t = {{"A", 4}, {"B", 4}, {"C", 8}, {"C", 8}, {"B", 4}, {"A", 4}};
  const CacheSimResult b = SimulateBelady(t, 10);
  EXPECT_EQ(b.hit, Hits("...h.."));
  EXPECT_EQ(b.evictions, 2u);
  const CacheSimResult l = SimulateLru(t, 10);
  EXPECT_EQ(l.hit, Hits("...h.."));
  EXPECT_EQ(l.evictions, 3u);
}

TEST(BeladyTest, ItemLargerThanTheCapacityIsNeverCached) {
  std::vector<TraceRequest> t = {{"X", 8}, {"Y", 2}, {"X", 8}, {"Y", 2}};
  EXPECT_EQ(SimulateBelady(t, 5).hit, Hits("...h"));
  EXPECT_EQ(SimulateLru(t, 5).hit, Hits("...h"));
  EXPECT_EQ(SimulateLru(t, 5).evictions, 0u);
}

TEST(BeladyTest, LruRefreshesOnHit) {
  // Capacity 2: A B, A hits (A is now the most recent), C evicts B, A hits, B misses.
  const auto t = Trace("ABACAB");
  EXPECT_EQ(SimulateLru(t, 2).hit, Hits("..h.h."));
  // MIN: C (never used again) is bypassed, so B survives: A, A and B hit.
  EXPECT_EQ(SimulateBelady(t, 2).hit, Hits("..h.hh"));
}

TEST(BeladyTest, HitRatioOfASubset) {
  const auto t = Trace("ABAB");  // hits at 2 and 3 with room for both
  const CacheSimResult b = SimulateBelady(t, 2);
  EXPECT_DOUBLE_EQ(b.HitRatioOf({true, false, true, false}), 0.5);  // requests 0 and 2: A
  EXPECT_DOUBLE_EQ(b.HitRatioOf({false, false, true, true}), 1.0);
  EXPECT_DOUBLE_EQ(b.HitRatioOf({false, false, false, false}), 0.0);
}

TEST(BeladyTest, EmptyTraceAndZeroCapacity) {
  const CacheSimResult e = SimulateBelady({}, 100);
  EXPECT_EQ(e.requests, 0u);
  EXPECT_DOUBLE_EQ(e.HitRatio(), 0.0);
  EXPECT_DOUBLE_EQ(e.ByteHitRatio(), 0.0);
  EXPECT_EQ(SimulateBelady(Trace("AAAA"), 0).hits, 0u);
  EXPECT_EQ(SimulateLru(Trace("AAAA"), 0).hits, 0u);
  EXPECT_EQ(SimulateLru(Trace("AAAA"), 1).hits, 3u);
}

}  // namespace
}  // namespace tessera::sim
