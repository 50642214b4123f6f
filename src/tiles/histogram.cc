#include "tiles/histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

namespace tessera {
namespace {

// Running sums of one band.
struct Sums {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double sum = 0;
  double sum2 = 0;
  uint64_t count = 0;
};

BandStats Finish(const Sums& s) {
  BandStats b;
  b.count = s.count;
  if (s.count == 0) return b;
  b.min = s.min;
  b.max = s.max;
  b.mean = s.sum / static_cast<double>(s.count);
  // large_image's formula: sqrt(max(E[x^2] - E[x]^2, 0)).
  b.stdev = std::sqrt(std::max(s.sum2 / static_cast<double>(s.count) - b.mean * b.mean, 0.0));
  return b;
}

// True for the types counted per value (one table of 2^bits entries per band).
template <typename T>
constexpr bool kCountedPerValue = std::is_integral_v<T> && sizeof(T) <= 2;

// Per-value counts of every band: counts[band << bits | (value - lowest)].
template <typename T>
std::vector<uint64_t> CountValues(const Image& img) {
  constexpr int kBits = 8 * sizeof(T);
  constexpr int64_t kLowest = std::numeric_limits<T>::lowest();
  const int bands = img.bands();
  std::vector<uint64_t> counts(static_cast<size_t>(bands) << kBits, 0);
  const size_t n = static_cast<size_t>(img.width()) * bands;
  for (int y = 0; y < img.height(); ++y) {
    const T* row = img.row_as<T>(y);
    if (bands == 1) {
      for (size_t i = 0; i < n; ++i) ++counts[static_cast<size_t>(row[i] - kLowest)];
      continue;
    }
    for (size_t i = 0; i < n; i += bands) {
      for (int b = 0; b < bands; ++b) {
        ++counts[(static_cast<size_t>(b) << kBits) + static_cast<size_t>(row[i + b] - kLowest)];
      }
    }
  }
  return counts;
}

// Sums of every band in one pass over the samples (32-bit and float types).
template <typename T>
std::vector<Sums> SumSamples(const Image& img) {
  const int bands = img.bands();
  std::vector<Sums> sums(bands);
  const size_t n = static_cast<size_t>(img.width()) * bands;
  for (int b = 0; b < bands; ++b) {
    Sums s;
    for (int y = 0; y < img.height(); ++y) {
      const T* row = img.row_as<T>(y);
      double lo = s.min, hi = s.max, sum = 0, sum2 = 0;
      uint64_t count = 0;
      for (size_t i = static_cast<size_t>(b); i < n; i += bands) {
        const double v = static_cast<double>(row[i]);
        if constexpr (std::is_floating_point_v<T>) {
          if (std::isnan(v)) continue;
        }
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        sum += v;
        sum2 += v * v;
        ++count;
      }
      s.min = lo;
      s.max = hi;
      s.sum += sum;
      s.sum2 += sum2;
      s.count += count;
    }
    sums[b] = s;
  }
  return sums;
}

template <typename T>
std::vector<Sums> SumCounts(const std::vector<uint64_t>& counts, int bands) {
  constexpr int kBits = 8 * sizeof(T);
  constexpr int64_t kLowest = std::numeric_limits<T>::lowest();
  std::vector<Sums> sums(bands);
  for (int b = 0; b < bands; ++b) {
    const uint64_t* c = counts.data() + (static_cast<size_t>(b) << kBits);
    Sums& s = sums[b];
    for (int64_t i = 0; i < (int64_t{1} << kBits); ++i) {
      if (c[i] == 0) continue;
      const double v = static_cast<double>(i + kLowest);
      const double k = static_cast<double>(c[i]);
      s.min = std::min(s.min, v);
      s.max = std::max(s.max, v);
      s.sum += v * k;
      s.sum2 += v * v * k;
      s.count += c[i];
    }
  }
  return sums;
}

// numpy.histogram's bin index for equal bins (numpy/lib/_histograms_impl.py): the index from
// ((a - first) / (last - first)) * bins, then corrected against the bin edges. E is the type
// numpy computes edges and differences in: float32 for float32 images, else float64.
template <typename E>
class Binner {
 public:
  Binner(double first, double last, int bins) : bins_(bins), denom_(last - first) {
    first_ = static_cast<E>(first);
    last_ = static_cast<E>(last);
    const double step = (last - first) / bins;
    edges_.resize(static_cast<size_t>(bins) + 1);
    for (int i = 0; i < bins; ++i) edges_[i] = static_cast<E>(i * step + first);
    edges_[bins] = static_cast<E>(last);
  }
  // -1 when outside [first, last] (or NaN).
  int Index(E a) const {
    if (!(a >= first_ && a <= last_)) return -1;
    const E diff = a - first_;
    int64_t i = static_cast<int64_t>(static_cast<double>(diff) / denom_ * bins_);
    i = std::clamp<int64_t>(i, 0, bins_ - 1);
    if (a < edges_[i] && i > 0) --i;
    if (i != bins_ - 1 && a >= edges_[i + 1]) ++i;
    return static_cast<int>(i);
  }
  const std::vector<E>& edges() const { return edges_; }

 private:
  int bins_;
  double denom_;
  E first_, last_;
  std::vector<E> edges_;
};

template <typename T>
using EdgeType = std::conditional_t<std::is_same_v<T, float>, float, double>;

// Fills entry.hist, samples and bin_edges for band `b`, with bins over [first, last].
template <typename T>
void BinBand(const Image& img, const std::vector<uint64_t>& counts, int b, double first,
             double last, BandHistogram& entry) {
  using E = EdgeType<T>;
  Binner<E> binner(first, last, entry.bins);
  std::vector<uint64_t> hist(static_cast<size_t>(entry.bins), 0);
  if constexpr (kCountedPerValue<T>) {
    constexpr int kBits = 8 * sizeof(T);
    constexpr int64_t kLowest = std::numeric_limits<T>::lowest();
    const uint64_t* c = counts.data() + (static_cast<size_t>(b) << kBits);
    for (int64_t i = 0; i < (int64_t{1} << kBits); ++i) {
      if (c[i] == 0) continue;
      const int idx = binner.Index(static_cast<E>(i + kLowest));
      if (idx >= 0) hist[idx] += c[i];
    }
  } else {
    (void)counts;
    const int bands = img.bands();
    const size_t n = static_cast<size_t>(img.width()) * bands;
    for (int y = 0; y < img.height(); ++y) {
      const T* row = img.row_as<T>(y);
      for (size_t i = static_cast<size_t>(b); i < n; i += bands) {
        const int idx = binner.Index(static_cast<E>(row[i]));
        if (idx >= 0) ++hist[idx];
      }
    }
  }
  entry.samples = 0;
  for (uint64_t h : hist) entry.samples += h;
  entry.hist.assign(hist.begin(), hist.end());
  if (entry.density) {
    for (double& h : entry.hist) h = entry.samples ? h / static_cast<double>(entry.samples) : 0;
  }
  entry.bin_edges.assign(binner.edges().begin(), binner.edges().end());
}

// numpy's checks and adjustment of an explicit range.
StatusOr<std::pair<double, double>> OuterEdges(double first, double last) {
  if (first > last) {
    return InvalidArgumentError("max must be larger than min in range parameter.");
  }
  if (!std::isfinite(first) || !std::isfinite(last)) {
    return InvalidArgumentError("supplied range of [" + std::to_string(first) + ", " +
                                std::to_string(last) + "] is not finite");
  }
  if (first == last) return std::pair<double, double>(first - 0.5, last + 0.5);
  return std::pair<double, double>(first, last);
}

bool IsIntegerType(PixelType t) { return t != PixelType::kF32 && t != PixelType::kF64; }

}  // namespace

std::vector<BandStats> ComputeBandStats(const Image& image) {
  std::vector<Sums> sums = DispatchPixelType(image.type(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (kCountedPerValue<T>) {
      return SumCounts<T>(CountValues<T>(image), image.bands());
    } else {
      return SumSamples<T>(image);
    }
  });
  std::vector<BandStats> out;
  for (const Sums& s : sums) out.push_back(Finish(s));
  return out;
}

StatusOr<std::vector<BandHistogram>> ComputeHistogram(const Image& image,
                                                      const HistogramOptions& options) {
  if (options.bins < 1) return InvalidArgumentError("`bins` must be positive, when an integer");
  std::vector<BandHistogram> out;
  if (image.empty()) return out;
  return DispatchPixelType(image.type(), [&](auto zero) -> StatusOr<std::vector<BandHistogram>> {
    using T = decltype(zero);
    std::vector<uint64_t> counts;
    std::vector<Sums> sums;
    if constexpr (kCountedPerValue<T>) {
      counts = CountValues<T>(image);
      sums = SumCounts<T>(counts, image.bands());
    } else {
      sums = SumSamples<T>(image);
    }
    for (int b = 0; b < image.bands(); ++b) {
      BandHistogram entry;
      entry.stats = Finish(sums[b]);
      entry.bins = options.bins;
      entry.density = options.density;
      double lo = entry.stats.min, hi = entry.stats.max + 1;
      if (options.range_min || options.range_max) {
        lo = options.range_min.value_or(lo);
        hi = options.range_max.value_or(hi);
      } else if (options.round_range && IsIntegerType(image.type()) &&
                 hi - lo < options.bins * 10.0) {
        const int64_t span = static_cast<int64_t>(hi - lo);
        const int64_t step = (span + options.bins - 1) / options.bins;
        const int64_t rbins = (span + step - 1) / step;
        hi = lo + static_cast<double>(step * rbins);
        entry.bins = static_cast<int>(rbins);
      }
      entry.range_min = lo;
      entry.range_max = hi;
      // `range` reports what was asked; the edges carry numpy's adjustment.
      TS_ASSIGN_OR_RETURN(auto edges, OuterEdges(lo, hi));
      BinBand<T>(image, counts, b, edges.first, edges.second, entry);
      out.push_back(std::move(entry));
    }
    return out;
  });
}

}  // namespace tessera
