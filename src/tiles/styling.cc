// TileService's style work: resolving a styled source's style for a frame (which frame and
// channel each band reads, and its range: large_image's _getMinMax, with band ranges scanned
// once per file version and frame, like _scanForMinMax), and styling pixels read through the
// tile cache. The style language itself is imaging/style.h.
#include <algorithm>
#include <cmath>

#include "core/logging.h"
#include "core/strings.h"
#include "tiles/derived_source.h"
#include "tiles/region.h"
#include "tiles/tile_service.h"

namespace tessera {
namespace {

constexpr int kRangeScanSize = 1024;  // large_image's analysisSize
constexpr size_t kMaxBandRanges = 4096;

double TypeMax(PixelType t) {
  if (t == PixelType::kU16) return 65535;
  if (t == PixelType::kF32 || t == PixelType::kF64) return 1;
  return 255;
}

// large_image's histogramThreshold: the bin edge that cuts off no more than `threshold` of the
// samples from the low end (or, from_max, the high end).
double HistogramThreshold(const BandHistogram& h, double threshold, bool from_max) {
  const double samples = static_cast<double>(h.samples);
  const int n = static_cast<int>(h.hist.size());
  double tally = 0;
  for (int k = 0; k < n; ++k) {
    const int idx = from_max ? n - 1 - k : k;
    const double count = h.hist[static_cast<size_t>(idx)];
    if (tally + count > threshold * samples) {
      if (k == 0) return from_max ? h.stats.max : h.stats.min;
      return h.bin_edges[static_cast<size_t>(from_max ? n - k : k)];
    }
    tally += count;
  }
  return from_max ? h.bin_edges.front() : h.bin_edges.back();
}

// large_image's _getMinMax for one end of one band. `channel` < 0: no channel (the constant
// alpha), so min/max fall back to 0 and the type's maximum.
double MinMax(bool is_min, const StyleRange& r, PixelType type, int channel,
              const TileService::BandRanges* ranges) {
  StyleRange::Kind kind = r.kind;
  switch (kind) {
    case StyleRange::Kind::kNumber:
      return r.value;
    case StyleRange::Kind::kFull:
      return is_min ? 0 : TypeMax(type);
    case StyleRange::Kind::kAuto: {
      bool eight_bit = ranges && !ranges->histograms.empty();
      for (size_t b = 0; eight_bit && b < ranges->histograms.size(); ++b) {
        const BandStats& s = ranges->histograms[b].stats;
        eight_bit = s.min >= 0 && s.min <= 254 && s.max >= 2 && s.max <= 255;
      }
      if (eight_bit) return is_min ? 0 : 255;
      kind = is_min ? StyleRange::Kind::kMin : StyleRange::Kind::kMax;
      break;
    }
    default:
      break;
  }
  const bool known =
      ranges && channel >= 0 && channel < static_cast<int>(ranges->histograms.size());
  if (!known) return kind == StyleRange::Kind::kMin ? 0 : TypeMax(type);
  const BandHistogram& h = ranges->histograms[static_cast<size_t>(channel)];
  if (r.threshold > 0) return HistogramThreshold(h, r.threshold, kind == StyleRange::Kind::kMax);
  return kind == StyleRange::Kind::kMin ? h.stats.min : h.stats.max;
}

bool NeedsRanges(const StyleRange& r) {
  return r.kind == StyleRange::Kind::kAuto || r.kind == StyleRange::Kind::kMin ||
         r.kind == StyleRange::Kind::kMax;
}

std::optional<int> FrameIndex(const FrameInfo& f, std::string_view axis) {
  for (const auto& [k, v] : f.indices) {
    if (k == axis) return v;
  }
  return std::nullopt;
}

// A band named after an OME channel: the frame holding that channel at the main frame's other
// indices (Z, T, ...), or, for an image whose bands are the channels, that band.
StatusOr<std::pair<int, int>> NamedChannel(const SourceMetadata& m, const std::string& name,
                                           int main_frame, const std::string& where) {
  int c = -1;
  for (size_t i = 0; i < m.channels.size(); ++i) {
    if (EqualsIgnoreCase(m.channels[i], name)) c = static_cast<int>(i);
  }
  if (c >= 0 && !m.frames.empty()) {
    const FrameInfo& main = m.frames[static_cast<size_t>(main_frame)];
    for (size_t f = 0; f < m.frames.size(); ++f) {
      const FrameInfo& cand = m.frames[f];
      if (FrameIndex(cand, "IndexC").value_or(0) != c) continue;
      bool same = true;
      for (const auto& [k, v] : main.indices) {
        if (k != "IndexC" && FrameIndex(cand, k) != v) same = false;
      }
      if (same) return std::pair<int, int>(static_cast<int>(f), -2);  // -2: the default band
    }
  }
  if (c >= 0 && m.frames.empty() && c < m.band_count) return std::pair<int, int>(main_frame, c);
  std::string known;
  for (const std::string& ch : m.channels) known += (known.empty() ? "" : ", ") + ch;
  return InvalidArgumentError(
      "Invalid style: " + where + " band \"" + name + "\" is not a channel of this image" +
      (known.empty() ? " (it has no named channels)" : " (its channels: " + known + ")"));
}

}  // namespace

StatusOr<std::shared_ptr<const TileService::BandRanges>> TileService::GetBandRanges(
    const SourcePtr& unstyled, const SourceRef& ref, int frame) {
  const std::string key = ref.key + "|" + std::to_string(frame);
  {
    std::lock_guard<std::mutex> lock(ranges_mu_);
    auto it = ranges_.find(key);
    if (it != ranges_.end()) return it->second;
  }
  return ranges_flight_.Do(key, [&]() -> StatusOr<std::shared_ptr<const BandRanges>> {
    {
      std::lock_guard<std::mutex> lock(ranges_mu_);
      auto it = ranges_.find(key);
      if (it != ranges_.end()) return it->second;
    }
    const SourceMetadata& m = unstyled->metadata();
    RegionSpec spec;  // the whole image at no more than 1024 pixels a side, not resampled
    spec.max_width = static_cast<double>(std::min<int64_t>(m.size_x, kRangeScanSize));
    spec.max_height = static_cast<double>(std::min<int64_t>(m.size_y, kRangeScanSize));
    TS_ASSIGN_OR_RETURN(RegionPlan plan, PlanRegion(*unstyled, spec));
    auto ranges = std::make_shared<BandRanges>();
    if (!plan.empty) {
      TS_ASSIGN_OR_RETURN(Image pixels, ReadLevelRegion(unstyled, ref, frame, plan.level, plan.rect,
                                                        Samples::kStored));
      TS_ASSIGN_OR_RETURN(ranges->histograms, ComputeHistogram(pixels, HistogramOptions{}));
    }
    std::lock_guard<std::mutex> lock(ranges_mu_);
    if (ranges_.size() >= kMaxBandRanges) ranges_.clear();
    ranges_[key] = ranges;
    return std::shared_ptr<const BandRanges>(ranges);
  });
}

StatusOr<std::shared_ptr<const ResolvedStyle>> TileService::ResolveStyle(const DerivedSource& s,
                                                                         const SourceRef& ref,
                                                                         int frame) {
  const Style& style = s.style();
  if (style.bands.empty()) return std::shared_ptr<const ResolvedStyle>();
  if (auto memo = s.Resolved(frame)) return memo;
  const SourceMetadata& m = s.metadata();
  const int channels = m.band_count;
  const int default_channel = channels <= 2 ? 0 : 1;  // large_image's grey band
  std::vector<ResolvedBand> bands;
  for (size_t i = 0; i < style.bands.size(); ++i) {
    const StyleBand& b = style.bands[i];
    const std::string where = "band " + std::to_string(i + 1) + ":";
    ResolvedBand r;
    r.frame = b.frame ? *b.frame : frame + b.framedelta;
    int channel = default_channel;
    switch (b.select) {
      case StyleBand::Select::kDefault:
      case StyleBand::Select::kGreen:
        break;
      case StyleBand::Select::kIndex:
        if (b.index > channels) {
          return InvalidArgumentError("Invalid style: " + where + " band " +
                                      std::to_string(b.index) + " does not exist (the image has " +
                                      std::to_string(channels) + ")");
        }
        channel = b.index - 1;
        break;
      case StyleBand::Select::kRed:
        if (channels > 2) channel = 0;
        break;
      case StyleBand::Select::kBlue:
        if (channels > 2) channel = 2;
        break;
      case StyleBand::Select::kAlpha:
        channel = channels == 2 || channels == 4 ? channels - 1 : -1;
        break;
      case StyleBand::Select::kName: {
        TS_ASSIGN_OR_RETURN(auto fc, NamedChannel(m, b.name, frame, where));
        r.frame = fc.first;
        if (fc.second != -2) channel = fc.second;
        break;
      }
    }
    if (r.frame < 0 || r.frame >= m.frame_count) {
      return InvalidArgumentError("Invalid style: " + where + " frame " + std::to_string(r.frame) +
                                  " does not exist (the image has " +
                                  std::to_string(m.frame_count) + ")");
    }
    r.channel = channel;
    const bool alpha = b.select == StyleBand::Select::kAlpha;
    if (b.palette) {
      r.palette = *b.palette;
    } else if (alpha) {
      r.palette = {Rgba{255, 255, 255, 0}, Rgba{255, 255, 255, 255}};
    } else {
      r.palette = {Rgba{0, 0, 0, 255}, Rgba{255, 255, 255, 255}};
    }
    r.discrete = b.discrete;
    r.nodata = b.nodata;
    r.composite =
        b.composite.value_or(alpha ? StyleComposite::kMultiply : StyleComposite::kLighten);
    r.clamp = b.clamp;
    std::shared_ptr<const BandRanges> ranges;
    if (NeedsRanges(b.min) || NeedsRanges(b.max)) {
      TS_ASSIGN_OR_RETURN(ranges, GetBandRanges(s.unstyled(), ref, r.frame));
    }
    r.min = MinMax(true, b.min, m.dtype, channel, ranges.get());
    r.max = MinMax(false, b.max, m.dtype, channel, ranges.get());
    bands.push_back(std::move(r));
  }
  // One grey band with the plain palette on a one-channel image stays one channel.
  const bool grey_palette = bands.size() == 1 && bands[0].palette.size() == 2 &&
                            bands[0].palette[0] == Rgba{0, 0, 0, 255} &&
                            bands[0].palette[1] == Rgba{255, 255, 255, 255};
  const int output_bands =
      grey_palette && style.bands[0].select != StyleBand::Select::kAlpha && channels == 1 ? 1 : 4;
  StyleDtype dtype = style.dtype;
  if (dtype == StyleDtype::kSource) {
    dtype = m.dtype == PixelType::kU16                                 ? StyleDtype::kUint16
            : m.dtype == PixelType::kF32 || m.dtype == PixelType::kF64 ? StyleDtype::kFloat
                                                                       : StyleDtype::kNone;
  }
  auto resolved = std::make_shared<const ResolvedStyle>(std::move(bands), m.dtype, output_bands,
                                                        dtype, style.axis);
  s.Remember(frame, resolved);
  return std::shared_ptr<const ResolvedStyle>(resolved);
}

StatusOr<Image> TileService::StylePixels(const ResolvedStyle& style, int frame, Image main,
                                         const std::function<StatusOr<Image>(int)>& read) {
  std::vector<std::pair<int, Image>> others;
  for (int f : style.Frames()) {
    if (f == frame) continue;
    TS_ASSIGN_OR_RETURN(Image img, read(f));
    others.emplace_back(f, std::move(img));
  }
  const Image* main_ptr = &main;
  return style.Apply(
      [&](int f) -> const Image* {
        if (f == frame) return main_ptr;
        for (const auto& [k, img] : others) {
          if (k == f) return &img;
        }
        return nullptr;
      },
      main.width(), main.height());
}

Image ToSrgb(const IccTransform& icc, Image img) {
  StatusOr<Image> converted = icc.Apply(img);
  return converted.ok() ? std::move(*converted) : std::move(img);
}

std::shared_ptr<const IccTransform> TileService::IccFor(const SourcePtr& source,
                                                        const SourceRef& ref, int frame,
                                                        const Style* style) {
  if (style && style->icc == false) return nullptr;
  IccIntent intent = IccIntent::kPerceptual;
  if (style) {
    auto parsed = ParseIccIntent(style->icc_intent);  // checked when the style was parsed
    if (parsed.ok()) intent = *parsed;
  }
  const std::string key =
      ref.key + "|" + std::to_string(frame) + "|" + std::to_string(static_cast<int>(intent));
  {
    std::lock_guard<std::mutex> lock(icc_mu_);
    auto it = icc_.find(key);
    if (it != icc_.end()) return it->second;
  }
  std::shared_ptr<const IccTransform> transform;
  if (std::optional<Bytes> profile = source->IccProfile(frame)) {
    auto made = IccTransform::ToSrgb(*profile, intent);
    if (made.ok()) {
      transform = std::move(*made);
    } else {
      TS_LOG(kWarning) << (ref.path.empty() ? ref.key : ref.path)
                       << ": the embedded ICC profile is not used: " << made.status().ToString();
    }
  }
  std::lock_guard<std::mutex> lock(icc_mu_);
  if (icc_.size() >= kMaxBandRanges) icc_.clear();
  icc_.emplace(key, transform);
  return transform;
}

}  // namespace tessera
