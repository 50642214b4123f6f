#include "tiles/tile_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <limits>
#include <set>
#include <thread>
#include <vector>

#include "cache/memory_tile_cache.h"
#include "testing/reference.h"

namespace tessera {
namespace {

// Full-resolution pixel values of the fixture image.
uint8_t Value(int64_t x, int64_t y, int band) {
  return static_cast<uint8_t>((x * (3 + band) + y * (5 + 2 * band)) & 255);
}

// A source whose pixels are a formula; it stores only `stored` levels, can hand out its tiles
// as JPEG bytes (like a JPEG-compressed TIFF), and counts reads. A fixture of our own
// interface, so the flow can be checked tile by tile.
class FormulaSource final : public TileSource {
 public:
  FormulaSource(int64_t w, int64_t h, int tile, std::set<int> stored, bool raw_jpeg)
      : stored_(std::move(stored)), raw_jpeg_(raw_jpeg) {
    meta_.size_x = w;
    meta_.size_y = h;
    meta_.tile_width = meta_.tile_height = tile;
    meta_.levels = LevelCount(w, h, tile, tile);
    meta_.band_count = 3;
  }
  std::string_view format_name() const override { return "formula"; }
  const SourceMetadata& metadata() const override { return meta_; }
  bool HasLevel(int, int level) const override { return stored_.count(level) > 0; }
  StatusOr<Image> ReadTile(int, int level, int64_t x, int64_t y) const override {
    reads++;
    if (fail_x == x && fail_y == y) return DataLossError("corrupt tile in formula source");
    const int shift = meta_.levels - 1 - level;
    Image img(meta_.tile_width, meta_.tile_height, 3, PixelType::kU8);
    for (int j = 0; j < img.height(); ++j)
      for (int i = 0; i < img.width(); ++i)
        for (int b = 0; b < 3; ++b) {
          // Stored lower levels are point samples of full resolution (like a scanner's).
          int64_t fx = (x * meta_.tile_width + i) << shift;
          int64_t fy = (y * meta_.tile_height + j) << shift;
          img.row(j)[i * 3 + b] = Value(fx, fy, b);
        }
    return img;
  }
  StatusOr<std::optional<RawTile>> ReadRawTile(int frame, int level, int64_t x,
                                               int64_t y) const override {
    if (!raw_jpeg_) return std::optional<RawTile>();
    TS_ASSIGN_OR_RETURN(Image img, ReadTile(frame, level, x, y));
    TS_ASSIGN_OR_RETURN(Bytes b, EncodeJpeg(img, 90, 0));
    return std::optional<RawTile>(RawTile{Encoding::kJpeg, std::move(b)});
  }

  // Stored bytes "in memory" unless told otherwise (like a file in the page cache).
  StatusOr<std::optional<RawTile>> ReadRawTileNoWait(int frame, int level, int64_t x,
                                                     int64_t y) const override {
    if (!in_memory) return WouldBlockError();
    return ReadRawTile(frame, level, x, y);
  }

  mutable std::atomic<int> reads{0};
  bool in_memory = true;
  int64_t fail_x = -1, fail_y = -1;

 private:
  SourceMetadata meta_;
  std::set<int> stored_;
  bool raw_jpeg_;
};

class TileServiceTest : public ::testing::Test {
 protected:
  TileServiceTest() : tiles_(256 << 20), sources_(SourceCacheLimits{}) {}

  SourceRef Ref(std::shared_ptr<FormulaSource> src, const std::string& key = "formula") {
    SourceRef ref;
    ref.key = key;
    ref.open = [this, src]() -> StatusOr<std::unique_ptr<TileSource>> {
      opens_++;
      // The cache owns what it opens; hand it a forwarding view of the shared fixture.
      struct View final : TileSource {
        std::shared_ptr<FormulaSource> s;
        std::string_view format_name() const override { return s->format_name(); }
        const SourceMetadata& metadata() const override { return s->metadata(); }
        bool HasLevel(int f, int l) const override { return s->HasLevel(f, l); }
        StatusOr<Image> ReadTile(int f, int l, int64_t x, int64_t y) const override {
          return s->ReadTile(f, l, x, y);
        }
        StatusOr<std::optional<RawTile>> ReadRawTile(int f, int l, int64_t x,
                                                     int64_t y) const override {
          return s->ReadRawTile(f, l, x, y);
        }
        StatusOr<std::optional<RawTile>> ReadRawTileNoWait(int f, int l, int64_t x,
                                                           int64_t y) const override {
          return s->ReadRawTileNoWait(f, l, x, y);
        }
      };
      auto v = std::make_unique<View>();
      v->s = src;
      return std::unique_ptr<TileSource>(std::move(v));
    };
    return ref;
  }

  TileRequest Req(const SourceRef& ref, int z, int64_t x, int64_t y, Encoding e = Encoding::kPng) {
    TileRequest r;
    r.source = ref;
    r.level = z;
    r.x = x;
    r.y = y;
    r.encode.encoding = e;
    return r;
  }

  FormatRegistry registry_;
  MemoryTileCache tiles_;
  SourceCache sources_;
  std::atomic<int> opens_{0};
};

TEST_F(TileServiceTest, SecondPassIsAllHits) {
  // 4 levels; 2 and 3 stored, 0 and 1 synthesized.
  auto src = std::make_shared<FormulaSource>(1000, 700, 128, std::set<int>{2, 3}, false);
  ASSERT_EQ(src->metadata().levels, 4);
  TileService service(registry_, tiles_, sources_);
  auto ref = Ref(src);
  std::vector<TileRequest> all;
  for (int z = 0; z < 4; ++z) {
    int64_t n = (1000 >> (3 - z)) / 128 + 1, m = (700 >> (3 - z)) / 128 + 1;
    for (int64_t y = 0; y < m; ++y)
      for (int64_t x = 0; x < n; ++x)
        if (CheckTileInRange(*src, 0, z, x, y).ok()) all.push_back(Req(ref, z, x, y));
  }
  ASSERT_GT(all.size(), 20u);
  for (auto& r : all) {
    EXPECT_EQ(service.TryCached(r), nullptr);
    ASSERT_TRUE(service.GetTile(r).ok());
  }
  const int reads = src->reads.load();
  const auto before = service.Stats();
  for (auto& r : all) EXPECT_NE(service.TryCached(r), nullptr);
  EXPECT_EQ(src->reads.load(), reads);
  EXPECT_EQ(service.Stats().encodes, before.encodes);
  EXPECT_EQ(opens_.load(), 1);
}

TEST_F(TileServiceTest, ThirtyTwoConcurrentRequestsForOneColdTileDecodeOnce) {
  auto src = std::make_shared<FormulaSource>(4096, 4096, 256, std::set<int>{4}, false);
  TileService service(registry_, tiles_, sources_);
  auto ref = Ref(src);
  std::vector<std::thread> threads;
  std::vector<const TileValue*> got(32);
  std::atomic<int> ready{0};
  for (int i = 0; i < 32; ++i) {
    threads.emplace_back([&, i] {
      ready++;
      while (ready.load() < 32) std::this_thread::yield();
      auto v = service.GetTile(Req(ref, 4, 3, 5));
      got[i] = v.ok() ? v->get() : nullptr;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(src->reads.load(), 1);
  EXPECT_EQ(service.Stats().encodes, 1u);
  EXPECT_EQ(opens_.load(), 1);
  for (auto* p : got) EXPECT_EQ(p, got[0]);
}

TEST_F(TileServiceTest, SynthesizedLevelsAreStaged2x2AreaAverages) {
  // Only full resolution (level 4) is stored: levels 0-3 are synthesized step by step.
  auto src = std::make_shared<FormulaSource>(700, 500, 64, std::set<int>{4}, false);
  TileService service(registry_, tiles_, sources_);
  auto ref = Ref(src);
  // Independent expectation: the full image, halved with a plain 2x2 mean (round half up) per
  // level, averaging only pixels inside the level.
  std::vector<std::vector<int>> cur(3, std::vector<int>(700 * 500));
  int64_t w = 700, h = 500;
  for (int b = 0; b < 3; ++b)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) cur[b][y * w + x] = Value(x, y, b);
  for (int z = 3; z >= 1; --z) {
    int64_t nw = (w + 1) / 2, nh = (h + 1) / 2;
    std::vector<std::vector<int>> next(3, std::vector<int>(nw * nh));
    for (int b = 0; b < 3; ++b)
      for (int64_t y = 0; y < nh; ++y)
        for (int64_t x = 0; x < nw; ++x) {
          int sum = 0, n = 0;
          for (int dy = 0; dy < 2; ++dy)
            for (int dx = 0; dx < 2; ++dx)
              if (2 * x + dx < w && 2 * y + dy < h) {
                sum += cur[b][(2 * y + dy) * w + 2 * x + dx];
                ++n;
              }
          next[b][y * nw + x] = (2 * sum + n) / (2 * n);
        }
    cur = std::move(next);
    w = nw;
    h = nh;
    // Compare every tile of level z.
    LevelSize size = service.GetSource(ref).value()->GetLevelSize(z);
    for (int64_t ty = 0; ty * 64 < size.height; ++ty) {
      for (int64_t tx = 0; tx * 64 < size.width; ++tx) {
        auto tile = service.GetUnstyledTile(*service.GetSource(ref), ref, 0, z, tx, ty);
        ASSERT_TRUE(tile.ok()) << tile.status().ToString();
        const Image& px = (*tile)->pixels;
        for (int j = 0; j < 64 && ty * 64 + j < std::min<int64_t>(h, size.height); ++j)
          for (int i = 0; i < 64 && tx * 64 + i < std::min<int64_t>(w, size.width); ++i)
            for (int b = 0; b < 3; ++b)
              ASSERT_EQ(px.row(j)[i * 3 + b], cur[b][(ty * 64 + j) * w + tx * 64 + i])
                  << "z=" << z << " tile " << tx << "," << ty << " px " << i << "," << j;
      }
    }
  }
  EXPECT_GT(service.Stats().synthesized, 0u);
}

TEST_F(TileServiceTest, PassthroughServesStoredBytesUntouched) {
  auto src = std::make_shared<FormulaSource>(1024, 1024, 256, std::set<int>{0, 1, 2}, true);
  TileService service(registry_, tiles_, sources_);
  auto ref = Ref(src);
  auto raw = src->ReadRawTile(0, 2, 1, 1);
  auto v = service.GetTile(Req(ref, 2, 1, 1, Encoding::kJpeg));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)->bytes, (*raw)->bytes);  // byte-identical
  auto st = service.Stats();
  EXPECT_EQ(st.passthrough, 1u);
  EXPECT_EQ(st.decodes, 0u);
  EXPECT_EQ(st.encodes, 0u);
  // A hit on the fast path is the same stored object.
  EXPECT_EQ(service.TryCached(Req(ref, 2, 1, 1, Encoding::kJpeg)).get(), v->get());
  // PNG of the same tile decodes the stored JPEG once and reuses the unstyled tile.
  auto png = service.GetTile(Req(ref, 2, 1, 1, Encoding::kPng));
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(*(*png)->encoding, Encoding::kPng);
  EXPECT_EQ(service.Stats().decodes, 1u);
  EXPECT_EQ(src->reads.load(), 2);  // one for the reference above, one for the service
}

TEST_F(TileServiceTest, InlineServingOnlyForOpenSourcesAndBytesInMemory) {
  auto src = std::make_shared<FormulaSource>(1024, 1024, 256, std::set<int>{0, 1, 2}, true);
  TileService service(registry_, tiles_, sources_);
  auto ref = Ref(src);
  TileRequest jpeg = Req(ref, 2, 1, 1, Encoding::kJpeg);
  EXPECT_FALSE(service.TryServeInline(jpeg).has_value());  // not open yet: a worker opens it
  ASSERT_TRUE(service.GetSource(ref).ok());
  auto now = service.TryServeInline(jpeg);
  ASSERT_TRUE(now.has_value());
  ASSERT_TRUE(now->ok());
  EXPECT_EQ((**now)->bytes, (*src->ReadRawTile(0, 2, 1, 1))->bytes);
  EXPECT_EQ(service.Stats().inline_reads, 1u);
  EXPECT_EQ(service.TryCached(jpeg).get(), now->value().get());  // cached like any read
  // Outside the image: answered at once with the error.
  auto outside = service.TryServeInline(Req(ref, 2, 9, 0, Encoding::kJpeg));
  ASSERT_TRUE(outside.has_value());
  EXPECT_EQ(outside->status().code(), StatusCode::kOutOfRange);
  // Not in memory, another encoding, an edge change: a worker's job.
  src->in_memory = false;
  EXPECT_FALSE(service.TryServeInline(Req(ref, 2, 2, 2, Encoding::kJpeg)).has_value());
  src->in_memory = true;
  EXPECT_FALSE(service.TryServeInline(Req(ref, 2, 2, 2, Encoding::kPng)).has_value());
  TileRequest cropped = Req(ref, 2, 2, 2, Encoding::kJpeg);
  cropped.edge = *ParseEdge("crop");
  EXPECT_FALSE(service.TryServeInline(cropped).has_value());
  EXPECT_EQ(service.Stats().inline_reads, 1u);
}

TEST_F(TileServiceTest, EdgeCropAndFill) {
  auto src = std::make_shared<FormulaSource>(300, 200, 256, std::set<int>{0, 1}, false);
  TileService service(registry_, tiles_, sources_);
  auto ref = Ref(src);
  TileRequest crop = Req(ref, 1, 1, 0);
  crop.edge = *ParseEdge("crop");
  auto c = service.GetTile(crop);
  ASSERT_TRUE(c.ok());
  auto ci = VipsDecode(std::string((*c)->bytes.begin(), (*c)->bytes.end()));
  ASSERT_TRUE(ci.ok());
  EXPECT_EQ(ci->width(), 300 - 256);
  EXPECT_EQ(ci->height(), 200);

  TileRequest fill = Req(ref, 1, 1, 0);
  fill.edge = *ParseEdge("#ff0000");
  auto f = service.GetTile(fill);
  ASSERT_TRUE(f.ok());
  auto fi = VipsDecode(std::string((*f)->bytes.begin(), (*f)->bytes.end()));
  ASSERT_TRUE(fi.ok());
  ASSERT_EQ(fi->width(), 256);
  EXPECT_EQ(fi->row(10)[50 * 3 + 0], 255);  // outside: fill colour
  EXPECT_EQ(fi->row(10)[50 * 3 + 1], 0);
  EXPECT_EQ(fi->row(250)[10 * 3 + 0], 255);
  EXPECT_EQ(fi->row(10)[10 * 3 + 0], Value(256 + 10, 10, 0));  // inside: the image

  // Default edge: the full tile as stored.
  auto d = service.GetTile(Req(ref, 1, 1, 0));
  auto di = VipsDecode(std::string((*d)->bytes.begin(), (*d)->bytes.end()));
  EXPECT_EQ(di->width(), 256);
  EXPECT_FALSE(ParseEdge("blurple").ok());
}

TEST_F(TileServiceTest, OutOfRangeAndCorruptTilesFailAlone) {
  auto src = std::make_shared<FormulaSource>(512, 512, 256, std::set<int>{0, 1}, false);
  src->fail_x = 1;
  src->fail_y = 1;
  TileService service(registry_, tiles_, sources_);
  auto ref = Ref(src);
  EXPECT_EQ(service.GetTile(Req(ref, 2, 0, 0)).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(service.GetTile(Req(ref, 1, 2, 0)).status().message(), "x is outside layer");
  EXPECT_EQ(service.GetTile(Req(ref, 1, 0, -1)).status().message(), "y is outside layer");
  TileRequest bad_frame = Req(ref, 1, 0, 0);
  bad_frame.frame = 1;
  EXPECT_EQ(service.GetTile(bad_frame).status().message(), "Frame does not exist");
  EXPECT_EQ(service.GetTile(Req(ref, 1, 1, 1)).status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(service.GetTile(Req(ref, 1, 0, 1)).ok());
  // The failure is not cached: a repaired tile is served.
  src->fail_x = -1;
  EXPECT_TRUE(service.GetTile(Req(ref, 1, 1, 1)).ok());
}

TEST_F(TileServiceTest, ChangedSourceKeyIsNeverServedStale) {
  auto a = std::make_shared<FormulaSource>(256, 256, 256, std::set<int>{0}, false);
  TileService service(registry_, tiles_, sources_);
  auto v1 = service.GetTile(Req(Ref(a, "f:1:100:5"), 0, 0, 0));
  auto v2 = service.GetTile(Req(Ref(a, "f:1:200:5"), 0, 0, 0));
  ASSERT_TRUE(v1.ok() && v2.ok());
  EXPECT_NE(v1->get(), v2->get());
  EXPECT_EQ(opens_.load(), 2);
}

TEST_F(TileServiceTest, ThumbnailSizesAndLetterbox) {
  auto src = std::make_shared<FormulaSource>(2000, 1000, 256, std::set<int>{3}, false);
  TileService service(registry_, tiles_, sources_);
  auto ref = Ref(src);
  ThumbnailRequest t;
  t.source = ref;
  t.encode.encoding = Encoding::kPng;
  auto v = service.GetThumbnail(t);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  auto img = VipsDecode(std::string((*v)->bytes.begin(), (*v)->bytes.end()));
  EXPECT_EQ(img->width(), 256);
  EXPECT_EQ(img->height(), 128);

  t.width = 100;
  t.height = 100;
  t.fill = *ParseColor("white");
  auto boxed = service.GetThumbnail(t);
  ASSERT_TRUE(boxed.ok());
  auto bi = VipsDecode(std::string((*boxed)->bytes.begin(), (*boxed)->bytes.end()));
  EXPECT_EQ(bi->width(), 100);
  EXPECT_EQ(bi->height(), 100);
  EXPECT_EQ(bi->row(5)[50 * 3], 255);  // letterbox band above the image

  t.fill.reset();
  t.width = 1;
  EXPECT_EQ(service.GetThumbnail(t).status().code(), StatusCode::kInvalidArgument);
}

// Found by fuzz/region_fuzz (corpus/region/crash-width-3e9): sides beyond int were converted
// anyway (undefined behaviour, UBSan reports it); they are clamped to INT_MAX now, which the
// region endpoints refuse as too large.
TEST(CalculateOutputSizeTest, HugeSidesAreClamped) {
  for (double w : {3.7e9, 1e300, std::numeric_limits<double>::infinity()}) {
    auto s = CalculateOutputSize(w, std::nullopt, 1000, 500);
    EXPECT_EQ(s.width, std::numeric_limits<int>::max()) << w;
    EXPECT_GT(s.height, 0) << w;
    s = CalculateOutputSize(std::nullopt, w, 500, 1000);
    EXPECT_EQ(s.height, std::numeric_limits<int>::max()) << w;
    EXPECT_GT(s.width, 0) << w;
  }
}

TEST(CalculateOutputSizeTest, MatchesLargeImage) {
  auto s = CalculateOutputSize(256, 256, 2220, 2967);
  EXPECT_EQ(s.width, 191);
  EXPECT_EQ(s.height, 256);
  s = CalculateOutputSize(256, std::nullopt, 2220, 2967);
  EXPECT_EQ(s.width, 256);
  EXPECT_EQ(s.height, 342);
  s = CalculateOutputSize(std::nullopt, 100, 50000, 50000);
  EXPECT_EQ(s.width, 100);
  EXPECT_EQ(s.height, 100);
  s = CalculateOutputSize(160, 100, 1000, 1000);
  EXPECT_EQ(s.width, 100);
  EXPECT_EQ(s.height, 100);
}

}  // namespace
}  // namespace tessera
