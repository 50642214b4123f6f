#include "cache/source_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace tessera {
namespace {

class CountedSource final : public TileSource {
 public:
  CountedSource(uint64_t memory, int files) : memory_(memory), files_(files) {}
  std::string_view format_name() const override { return "counted"; }
  const SourceMetadata& metadata() const override { return meta_; }
  bool HasLevel(int, int) const override { return true; }
  StatusOr<Image> ReadTile(int, int, int64_t, int64_t) const override { return Image(); }
  size_t MemoryEstimate() const override { return memory_; }
  int OpenFileCount() const override { return files_; }

 private:
  SourceMetadata meta_;
  uint64_t memory_;
  int files_;
};

SourceCache::Opener Open(std::atomic<int>* count, uint64_t memory = 1000, int files = 1) {
  return [=]() -> StatusOr<SourcePtr> {
    ++*count;
    return SourcePtr(std::make_shared<CountedSource>(memory, files));
  };
}

TEST(SourceCacheTest, OpensOnceThenHits) {
  SourceCache cache(SourceCacheLimits{});
  std::atomic<int> opens{0};
  auto a = cache.GetOrOpen("f1", Open(&opens));
  auto b = cache.GetOrOpen("f1", Open(&opens));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());
  EXPECT_EQ(opens.load(), 1);
  EXPECT_EQ(cache.Stats().hits, 1u);
}

TEST(SourceCacheTest, ThirtyTwoConcurrentFirstRequestsOpenOnce) {
  SourceCache cache(SourceCacheLimits{});
  std::atomic<int> opens{0};
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  auto slow_open = [&]() -> StatusOr<SourcePtr> {
    ++opens;
    gate.wait();
    return SourcePtr(std::make_shared<CountedSource>(1, 1));
  };
  std::vector<std::thread> threads;
  std::vector<const TileSource*> got(32);
  for (int i = 0; i < 32; ++i) {
    threads.emplace_back([&, i] {
      auto s = cache.GetOrOpen("slide", slow_open);
      got[i] = s.ok() ? s->get() : nullptr;
    });
  }
  while (cache.Stats().open_waits < 31) std::this_thread::yield();
  release.set_value();
  for (auto& t : threads) t.join();
  EXPECT_EQ(opens.load(), 1);
  for (auto* p : got) EXPECT_EQ(p, got[0]);
  EXPECT_NE(got[0], nullptr);
}

TEST(SourceCacheTest, FailedOpenIsNotCached) {
  SourceCache cache(SourceCacheLimits{});
  int calls = 0;
  auto fail = [&]() -> StatusOr<SourcePtr> {
    ++calls;
    return UnsupportedError("cannot open x");
  };
  EXPECT_EQ(cache.GetOrOpen("x", fail).status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(cache.GetOrOpen("x", fail).status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.Stats().items, 0u);
  EXPECT_EQ(cache.Stats().open_failures, 2u);
}

TEST(SourceCacheTest, BoundedByCountMemoryAndFiles) {
  std::atomic<int> opens{0};
  {
    SourceCache cache(SourceCacheLimits{3, uint64_t{1} << 40, 1000});
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(cache.GetOrOpen("f" + std::to_string(i), Open(&opens)).ok());
    EXPECT_EQ(cache.Stats().items, 3u);
    EXPECT_EQ(cache.Peek("f0"), nullptr);  // least recently used went first
    EXPECT_NE(cache.Peek("f4"), nullptr);
  }
  {
    SourceCache cache(SourceCacheLimits{100, 2500, 1000});
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(cache.GetOrOpen("m" + std::to_string(i), Open(&opens, 1000)).ok());
    EXPECT_EQ(cache.Stats().items, 2u);
    EXPECT_LE(cache.Stats().memory_bytes, 2500u);
  }
  {
    SourceCache cache(SourceCacheLimits{100, uint64_t{1} << 40, 5});
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(cache.GetOrOpen("h" + std::to_string(i), Open(&opens, 1, 2)).ok());
    EXPECT_EQ(cache.Stats().open_files, 4u);
  }
}

TEST(SourceCacheTest, DerivedSourcesShareTheParentAndLeaveWithIt) {
  SourceCache cache(SourceCacheLimits{});
  std::atomic<int> opens{0};
  auto parent = cache.GetOrOpen("file", Open(&opens));
  ASSERT_TRUE(parent.ok());
  int derives = 0;
  auto derive = [&](const SourcePtr& p) -> StatusOr<SourcePtr> {
    ++derives;
    return p;  // a real derivation wraps p; identity is enough to prove sharing
  };
  auto s1 = cache.GetOrDerive("file|style1", "file", *parent, derive);
  auto s2 = cache.GetOrDerive("file|style1", "file", *parent, derive);
  auto s3 = cache.GetOrDerive("file|style2", "file", *parent, derive);
  ASSERT_TRUE(s1.ok() && s2.ok() && s3.ok());
  EXPECT_EQ(derives, 2);
  EXPECT_EQ(opens.load(), 1);  // no second open
  auto st = cache.Stats();
  EXPECT_EQ(st.items, 3u);
  EXPECT_EQ(st.derived_items, 2u);
  EXPECT_EQ(st.open_files, 1u);
  cache.Erase("file");
  EXPECT_EQ(cache.Stats().items, 0u);
  EXPECT_EQ(cache.Peek("file|style1"), nullptr);
}

}  // namespace
}  // namespace tessera
