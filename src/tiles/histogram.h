// Per-band statistics and histograms of decoded pixels, as large_image's TileSource.histogram
// computes them: min, max, mean and (population) stdev of every band, then a histogram with
// numpy.histogram's semantics — `bins` equal bins over [range_min, range_max], the last bin
// closed, samples outside the range not counted, bin indices computed with numpy's formula and
// its edge corrections (float32 images in float32 arithmetic, like numpy), so counts match
// numpy's exactly.
//
// The default range is large_image's (min, max + 1) of each band. `round_range` (large_image's
// range='round') rounds it for integer images whose range is under 10 x bins: each bin then
// spans a whole number of values and `bins` may shrink.
//
// Every sample type is handled by typed loops (no per-pixel dispatch); 8- and 16-bit images are
// counted per value first, so one pass gives both the statistics and the histogram. NaN
// samples are skipped (large_image would report NaN statistics and fail to bin).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/image.h"
#include "core/status.h"

namespace tessera {

struct BandStats {
  double min = 0;
  double max = 0;
  double mean = 0;
  double stdev = 0;
  uint64_t count = 0;  // samples that are numbers (NaN skipped)
};

// min / max / mean / stdev of every band (large_image's histogram(onlyMinMax=True)).
std::vector<BandStats> ComputeBandStats(const Image& image);

struct HistogramOptions {
  int bins = 256;
  // numpy's `range`; an unset end is the band's own (min, max + 1).
  std::optional<double> range_min, range_max;
  bool round_range = false;  // only when neither end is given, for integer images
  bool density = false;      // hist divided by the number of counted samples
};

struct BandHistogram {
  BandStats stats;
  double range_min = 0;
  double range_max = 0;
  int bins = 0;
  std::vector<double> hist;       // counts, or fractions when density
  std::vector<double> bin_edges;  // bins + 1 edges
  bool density = false;
  uint64_t samples = 0;  // samples counted in the histogram (inside the range)
};

// One entry per band; empty for an empty image. InvalidArgument (numpy's messages) for
// bins < 1 or a range whose max is below its min.
StatusOr<std::vector<BandHistogram>> ComputeHistogram(const Image& image,
                                                      const HistogramOptions& options);

}  // namespace tessera
