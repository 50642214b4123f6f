#include "tiles/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "testing/images.h"

namespace tessera {
namespace {

// Plain per-sample reference: numpy's edges (linspace, cast to the type numpy uses) and the
// mathematical bin of each sample (edges[i] <= v < edges[i+1], the last bin closed), found by
// binary search over the edges — no index formula.
struct Reference {
  std::vector<double> edges;
  std::vector<uint64_t> hist;
  double min = INFINITY, max = -INFINITY, sum = 0, sum2 = 0;
  uint64_t count = 0;
};

Reference PlainLoop(const Image& img, int band, int bins,
                    std::optional<std::pair<double, double>> range = std::nullopt) {
  Reference r;
  std::vector<double> values;
  DispatchPixelType(img.type(), [&](auto zero) {
    using T = decltype(zero);
    for (int y = 0; y < img.height(); ++y) {
      for (int x = 0; x < img.width(); ++x) {
        double v = static_cast<double>(img.row_as<T>(y)[x * img.bands() + band]);
        if (std::isnan(v)) continue;
        values.push_back(v);
      }
    }
  });
  for (double v : values) {
    r.min = std::min(r.min, v);
    r.max = std::max(r.max, v);
    r.sum += v;
    r.sum2 += v * v;
    ++r.count;
  }
  auto [lo, hi] = range.value_or(std::pair<double, double>(r.min, r.max + 1));
  const bool f32 = img.type() == PixelType::kF32;
  for (int i = 0; i <= bins; ++i) {
    double e = i == bins ? hi : lo + i * ((hi - lo) / bins);
    r.edges.push_back(f32 ? static_cast<double>(static_cast<float>(e)) : e);
  }
  r.hist.assign(bins, 0);
  for (double v : values) {
    if (f32) v = static_cast<float>(v);
    if (v < r.edges.front() || v > r.edges.back()) continue;
    size_t i = std::upper_bound(r.edges.begin(), r.edges.end(), v) - r.edges.begin();
    r.hist[std::min<size_t>(i, bins) - 1]++;
  }
  return r;
}

TEST(HistogramTest, EveryTypeMatchesAPlainLoop) {
  for (PixelType type : kAllTypes) {
    for (int bands : {1, 3}) {
      Image img = Noise(67, 41, bands, type, 7);
      for (int bins : {1, 7, 256}) {
        auto h = ComputeHistogram(img, HistogramOptions{bins});
        ASSERT_TRUE(h.ok()) << h.status().ToString();
        ASSERT_EQ(h->size(), static_cast<size_t>(bands));
        for (int b = 0; b < bands; ++b) {
          SCOPED_TRACE(std::string(PixelTypeName(type)) + " band " + std::to_string(b) + " bins " +
                       std::to_string(bins));
          Reference ref = PlainLoop(img, b, bins);
          const BandHistogram& e = (*h)[b];
          EXPECT_EQ(e.stats.min, ref.min);
          EXPECT_EQ(e.stats.max, ref.max);
          EXPECT_NEAR(e.stats.mean, ref.sum / ref.count, 1e-9 * std::max(1.0, std::fabs(ref.max)));
          const double mean = ref.sum / ref.count;
          EXPECT_NEAR(e.stats.stdev, std::sqrt(std::max(0.0, ref.sum2 / ref.count - mean * mean)),
                      1e-6 * std::max(1.0, std::fabs(ref.max)));
          EXPECT_EQ(e.range_min, ref.min);
          EXPECT_EQ(e.range_max, ref.max + 1);
          EXPECT_EQ(e.bins, bins);
          EXPECT_EQ(e.bin_edges, ref.edges);
          ASSERT_EQ(e.hist.size(), ref.hist.size());
          for (int i = 0; i < bins; ++i) EXPECT_EQ(e.hist[i], ref.hist[i]) << "bin " << i;
          EXPECT_EQ(e.samples, 67u * 41u);  // the default range holds every sample
        }
      }
    }
  }
}

TEST(HistogramTest, Uint8ValuesLandInTheirOwnBins) {
  // 0..255 once each plus three more 255s: numpy.histogram(v, 256, (0, 256)).
  Image img(260, 1, 1, PixelType::kU8);
  for (int i = 0; i < 260; ++i) img.row(0)[i] = static_cast<uint8_t>(std::min(i, 255));
  auto h = ComputeHistogram(img, HistogramOptions{256});
  ASSERT_TRUE(h.ok());
  const BandHistogram& e = (*h)[0];
  EXPECT_EQ(e.range_min, 0);
  EXPECT_EQ(e.range_max, 256);
  ASSERT_EQ(e.bin_edges.size(), 257u);
  for (int i = 0; i <= 256; ++i) EXPECT_EQ(e.bin_edges[i], i);
  for (int i = 0; i < 255; ++i) EXPECT_EQ(e.hist[i], 1) << i;
  EXPECT_EQ(e.hist[255], 5);
  EXPECT_EQ(e.samples, 260u);
  EXPECT_DOUBLE_EQ(e.stats.mean, (255.0 * 256 / 2 + 4 * 255) / 260);
}

TEST(HistogramTest, ExplicitRangeDropsOutsideSamplesAndClosesTheLastBin) {
  // Values 0..9; range (2, 6) with 4 bins: [2,3) [3,4) [4,5) [5,6] -> 1 1 1 2.
  Image img(10, 1, 1, PixelType::kI16);
  for (int i = 0; i < 10; ++i) img.row_as<int16_t>(0)[i] = static_cast<int16_t>(i);
  HistogramOptions o{4};
  o.range_min = 2;
  o.range_max = 6;
  auto h = ComputeHistogram(img, o);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)[0].hist, (std::vector<double>{1, 1, 1, 2}));
  EXPECT_EQ((*h)[0].samples, 5u);
  EXPECT_EQ((*h)[0].bin_edges, (std::vector<double>{2, 3, 4, 5, 6}));
  // The statistics still cover every sample.
  EXPECT_EQ((*h)[0].stats.min, 0);
  EXPECT_EQ((*h)[0].stats.max, 9);

  // One end given: the other is the band's own (max + 1 = 10).
  HistogramOptions one{5};
  one.range_min = 5;
  h = ComputeHistogram(img, one);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)[0].range_max, 10);
  EXPECT_EQ((*h)[0].hist, (std::vector<double>{1, 1, 1, 1, 1}));

  o.density = true;
  h = ComputeHistogram(img, o);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)[0].hist, (std::vector<double>{0.2, 0.2, 0.2, 0.4}));
  EXPECT_TRUE((*h)[0].density);
}

TEST(HistogramTest, RoundRangeForIntegerImages) {
  // uint16 values 100..399: range (100, 400) is under 10 x 256 bins wide, so each bin spans
  // ceil(300 / 256) = 2 values and there are ceil(300 / 2) = 150 bins over [100, 400).
  Image img(300, 1, 1, PixelType::kU16);
  for (int i = 0; i < 300; ++i) img.row_as<uint16_t>(0)[i] = static_cast<uint16_t>(100 + i);
  HistogramOptions o{256};
  o.round_range = true;
  auto h = ComputeHistogram(img, o);
  ASSERT_TRUE(h.ok());
  const BandHistogram& e = (*h)[0];
  EXPECT_EQ(e.bins, 150);
  EXPECT_EQ(e.range_min, 100);
  EXPECT_EQ(e.range_max, 400);
  ASSERT_EQ(e.hist.size(), 150u);
  for (double c : e.hist) EXPECT_EQ(c, 2);
  EXPECT_EQ(e.bin_edges[1], 102);

  // Float images are never rounded.
  Image f(3, 1, 1, PixelType::kF32);
  f.row_as<float>(0)[2] = 1.5f;
  h = ComputeHistogram(f, o);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)[0].bins, 256);
  EXPECT_EQ((*h)[0].range_max, 2.5);
}

TEST(HistogramTest, DegenerateAndInvalidRanges) {
  Image img(4, 4, 1, PixelType::kU8);
  HistogramOptions o{2};
  o.range_min = o.range_max = 0;  // numpy widens it to [-0.5, 0.5]
  auto h = ComputeHistogram(img, o);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)[0].bin_edges, (std::vector<double>{-0.5, 0, 0.5}));
  EXPECT_EQ((*h)[0].hist, (std::vector<double>{0, 16}));

  o.range_min = 5;
  o.range_max = 1;
  h = ComputeHistogram(img, o);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("max must be larger than min"), std::string::npos);

  EXPECT_FALSE(ComputeHistogram(img, HistogramOptions{0}).ok());
  auto empty = ComputeHistogram(Image(0, 0, 3, PixelType::kU8), HistogramOptions{});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(HistogramTest, NaNSamplesAreSkipped) {
  Image img(4, 1, 1, PixelType::kF32);
  float* p = img.row_as<float>(0);
  p[0] = 1;
  p[1] = NAN;
  p[2] = 3;
  p[3] = 2;
  auto stats = ComputeBandStats(img);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].count, 3u);
  EXPECT_EQ(stats[0].min, 1);
  EXPECT_EQ(stats[0].max, 3);
  EXPECT_DOUBLE_EQ(stats[0].mean, 2);
  EXPECT_DOUBLE_EQ(stats[0].stdev, std::sqrt(2.0 / 3));
  auto h = ComputeHistogram(img, HistogramOptions{3});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)[0].samples, 3u);
}

TEST(HistogramTest, BandStatsOfEveryType) {
  for (PixelType type : kAllTypes) {
    Image img = Noise(33, 17, 4, type, 3);
    auto stats = ComputeBandStats(img);
    ASSERT_EQ(stats.size(), 4u);
    for (int b = 0; b < 4; ++b) {
      Reference ref = PlainLoop(img, b, 1);
      EXPECT_EQ(stats[b].min, ref.min) << PixelTypeName(type);
      EXPECT_EQ(stats[b].max, ref.max) << PixelTypeName(type);
      EXPECT_EQ(stats[b].count, ref.count);
    }
  }
}

}  // namespace
}  // namespace tessera
