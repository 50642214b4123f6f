// TileService: the caching flow of the spec (docs/cache.md), in this order:
//
//   1. tile cache: the encoded tile for the full key?                          -> serve
//   2. source cache: the styled source {file, style, encoding}? else the unstyled source
//      {file} (opened once even when many ask at once), and the styled one derived from it
//   3. tile cache: the unstyled tile {file, frame, z, x, y}? else read it from the file
//      (stored bytes when the format allows) or synthesize it from the next
//      higher-resolution level (2x2 per step, each step cached), and cache it
//   4. style: decode to pixels and apply it (tiles/styling.cc; other frames its bands name are
//      read through step 3 too)
//   5. already in the wanted encoding and nothing changed it? serve the stored bytes as they
//      are (passthrough); else crop/fill the edge, encode, cache the encoded tile, serve
//
// Concurrent requests for the same missing tile or source do the work once (single flight).
// TryCached answers step 1 (and a passthrough hit) without opening or decoding anything, so
// the HTTP layer serves it inline; GetTile does the rest and belongs on the worker pool.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "cache/single_flight.h"
#include "cache/source_cache.h"
#include "cache/tile_cache.h"
#include "core/thread_annotations.h"
#include "imaging/icc.h"
#include "imaging/resample.h"
#include "imaging/style.h"
#include "source/registry.h"
#include "tiles/histogram.h"
#include "tiles/region.h"
#include "tiles/tile_request.h"

namespace tessera {

class DerivedSource;

struct TileServiceOptions {
  OpenOptions open;
  // Largest thumbnail (and later region) output, in pixels; larger requests are refused.
  uint64_t max_output_pixels = uint64_t{8192} * 8192;
};

struct TileServiceStats {
  uint64_t tile_reads = 0;    // tiles decoded by a source (ReadTile)
  uint64_t raw_reads = 0;     // tiles read as stored bytes (ReadRawTile)
  uint64_t decodes = 0;       // stored bytes decoded to pixels
  uint64_t synthesized = 0;   // tiles made from higher-resolution tiles
  uint64_t encodes = 0;       // tiles (and thumbnails) encoded
  uint64_t passthrough = 0;   // tiles served as stored, without decode or encode
  uint64_t inline_reads = 0;  // of raw_reads, done on the HTTP thread (page-cache hits)
  uint64_t thumbnails = 0;    // thumbnails produced
  uint64_t flight_waits = 0;  // requests that waited for another's identical work
};

class TileService {
 public:
  TileService(const FormatRegistry& registry, TileCache& tiles, SourceCache& sources,
              TileServiceOptions options = {});

  // The answer from the tile cache alone, or nullptr. Never opens, reads or decodes, and never
  // waits on the network: only in-process tiers are asked (TileCache::GetLocal).
  TileValuePtr TryCached(const TileRequest& request);

  // For the HTTP thread, after a TryCached miss: a passthrough-eligible request (no style,
  // default edge) whose source is already open and whose stored bytes are in memory (page
  // cache) is read and answered right here, without the hop to a worker; a tile outside the
  // image is answered with its error. nullopt: this needs a worker (GetTile) — always with a
  // shared tile tier (TileCache::has_shared_tier), whose calls are network hops.
  std::optional<StatusOr<TileValuePtr>> TryServeInline(const TileRequest& request);

  // The encoded tile (an encoded TileValue). OutOfRange for a tile outside the image,
  // Unsupported / DataLoss for files that cannot be read.
  // `*cached` (when given) says whether a cache tier answered (X-Cache: hit), e.g. a shared
  // tier that TryCached does not ask.
  StatusOr<TileValuePtr> GetTile(const TileRequest& request, bool* cached = nullptr);

  // The unstyled source, opened into the source cache if needed.
  StatusOr<SourcePtr> GetSource(const SourceRef& ref);

  // The source for a canonical style text ("" or an ICC-only style: the unstyled source): the
  // styled source derived from the cached unstyled one and cached itself (the spec's {file,
  // style, encoding}). Reading a level region or a region of it gives styled pixels.
  StatusOr<SourcePtr> GetStyledSource(const SourceRef& ref, const std::string& style,
                                      const EncodeOptions& encode);

  // Per-band statistics and 256-bin histograms of `frame` of an unstyled source, on the level
  // large_image scans for a style's auto ranges (the whole image at no more than 1024 pixels a
  // side, not resampled): computed once per file version and frame, and kept.
  struct BandRanges {
    std::vector<BandHistogram> histograms;  // one per band; empty for an empty image
  };
  StatusOr<std::shared_ptr<const BandRanges>> GetBandRanges(const SourcePtr& unstyled,
                                                            const SourceRef& ref, int frame);

  // The unstyled tile (stored bytes or pixels), read or synthesized and cached.
  StatusOr<TileValuePtr> GetUnstyledTile(const SourcePtr& source, const SourceRef& ref, int frame,
                                         int level, int64_t x, int64_t y);

  // An encoded thumbnail of the whole image (large_image's getThumbnail).
  StatusOr<TileValuePtr> GetThumbnail(const ThumbnailRequest& request);

  // What pixels a read gives: kDisplay, for images, turns the source's embedded ICC profile
  // into sRGB (unless the style says "icc": false); kStored keeps the stored samples (pixel
  // values, histograms, band statistics). Both are styled when the source is a styled source.
  enum class Samples { kDisplay, kStored };

  // Pixels of a planned region (tiles/region.h): read from plan.level through the tile cache,
  // resized to the output size with `filter`, or like large_image when unset (bicubic when
  // enlarging, Lanczos when reducing). An empty plan gives an empty image. Refuses outputs and
  // reads above the pixel budget (max_output_pixels).
  StatusOr<Image> ReadRegion(const SourcePtr& source, const SourceRef& ref, int frame,
                             const RegionPlan& plan, std::optional<ResampleFilter> filter,
                             Samples samples = Samples::kDisplay);

  // Pixels of `rect` (level coordinates) of one level, assembled from unstyled tiles, then
  // ICC-corrected (kDisplay) and styled when `source` is a styled source.
  StatusOr<Image> ReadLevelRegion(const SourcePtr& source, const SourceRef& ref, int frame,
                                  int level, const Rect& rect, Samples samples = Samples::kDisplay);

  TileServiceStats Stats() const;

  // The largest output (and a quarter of the largest read) ReadRegion accepts, in pixels.
  uint64_t max_output_pixels() const { return options_.max_output_pixels; }

 private:
  // TryCached's lookups; `local`: in-process tiers only (TileCache::GetLocal).
  TileValuePtr Cached(const TileRequest& request, bool local);
  // The transform of the embedded ICC profile of `frame` to sRGB for `style` (nullptr for the
  // default style): nullptr when the style turns ICC off, the frame has no profile, or lcms2
  // cannot use it (logged once). Made once per file version, frame and intent.
  std::shared_ptr<const IccTransform> IccFor(const SourcePtr& source, const SourceRef& ref,
                                             int frame, const Style* style);
  // The style of a styled source resolved for `frame` (nullptr when it has no bands), and
  // styled pixels: `main` is frame `frame`'s, `read` gives another frame's of the same area.
  StatusOr<std::shared_ptr<const ResolvedStyle>> ResolveStyle(const DerivedSource& s,
                                                              const SourceRef& ref, int frame);
  StatusOr<Image> StylePixels(const ResolvedStyle& style, int frame, Image main,
                              const std::function<StatusOr<Image>(int)>& read);
  // `keep_decoded`: stored tiles are decoded once and kept (DecodedTile), for styled reads.
  StatusOr<Image> ReadUnstyledLevelRegion(const SourcePtr& source, const SourceRef& ref, int frame,
                                          int level, const Rect& rect, bool keep_decoded = false);
  // The pixels of an unstyled tile as a cached value: itself when it holds pixels, else its
  // stored bytes decoded once and kept in the tile cache beside them (so that many styles of
  // one tile decode it once).
  StatusOr<TileValuePtr> DecodedTile(const TileValuePtr& value, const SourceRef& ref, int frame,
                                     int level, int64_t x, int64_t y);
  StatusOr<Image> Synthesize(const SourcePtr& source, const SourceRef& ref, int frame, int level,
                             int64_t x, int64_t y);
  StatusOr<TileValuePtr> ProduceTile(const TileRequest& request, const std::string& key);
  StatusOr<TileValuePtr> ProduceThumbnail(const ThumbnailRequest& request, const std::string& key);
  // Pixels of the unstyled tile (frame, level, x, y) of `ref`: decoded into `storage` when the
  // value holds stored bytes. A decode failure names the file and the tile.
  StatusOr<const Image*> PixelsOf(const TileValuePtr& value, Image* storage, const SourceRef& ref,
                                  int frame, int level, int64_t x, int64_t y);

  const FormatRegistry& registry_;
  TileCache& tiles_;
  SourceCache& sources_;
  const TileServiceOptions options_;
  SingleFlight<TileValuePtr> unstyled_flight_;
  SingleFlight<TileValuePtr> encoded_flight_;
  std::mutex ranges_mu_;
  std::unordered_map<std::string, std::shared_ptr<const BandRanges>> ranges_ GUARDED_BY(ranges_mu_);
  SingleFlight<std::shared_ptr<const BandRanges>> ranges_flight_;
  std::mutex icc_mu_;
  std::unordered_map<std::string, std::shared_ptr<const IccTransform>> icc_ GUARDED_BY(icc_mu_);
  std::atomic<uint64_t> tile_reads_{0}, raw_reads_{0}, decodes_{0}, synthesized_{0}, encodes_{0},
      passthrough_{0}, thumbnails_{0}, inline_reads_{0};
};

// Validates frame / level / x / y against the source like large_image (_xyzInRange):
// OutOfRange with large_image's messages.
Status CheckTileInRange(const TileSource& source, int frame, int level, int64_t x, int64_t y);

// large_image's _calculateWidthHeight: the largest size within (width, height) that keeps the
// aspect ratio of (region_width, region_height); a missing side allows 16x the other.
struct OutputSize {
  int width = 0;
  int height = 0;
};
OutputSize CalculateOutputSize(std::optional<double> width, std::optional<double> height,
                               int64_t region_width, int64_t region_height);

// Per-band sample values for a colour on an image of `bands` bands of `type` (grey images get
// the colour's luminance, like PIL's "L" conversion).
std::vector<double> ColorSamples(const Rgba& color, int bands, PixelType type);

// `img` in sRGB through `icc`; unchanged when the transform cannot take its layout (float
// samples, a grey profile on an RGB image, ...), as large_image skips what ImageCms refuses.
Image ToSrgb(const IccTransform& icc, Image img);

// large_image's _letterboxImage: `img` centred (or at the top-left corner) on a width x height
// canvas of `fill`; unchanged when it already covers that size.
Image Letterbox(Image img, int width, int height, const Rgba& fill, bool corner);

}  // namespace tessera
