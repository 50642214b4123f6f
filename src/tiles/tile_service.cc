#include "tiles/tile_service.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "imaging/resample.h"
#include "tiles/decode_budget.h"
#include "tiles/derived_source.h"

namespace tessera {

TileService::TileService(const FormatRegistry& registry, TileCache& tiles, SourceCache& sources,
                         TileServiceOptions options)
    : registry_(registry), tiles_(tiles), sources_(sources), options_(options) {}

Status CheckTileInRange(const TileSource& source, int frame, int level, int64_t x, int64_t y) {
  const SourceMetadata& m = source.metadata();
  if (frame < 0 || frame >= m.frame_count) return OutOfRangeError("Frame does not exist");
  if (level < 0 || level >= m.levels) return OutOfRangeError("z layer does not exist");
  LevelSize size = source.GetLevelSize(level);
  if (x < 0 || x > (size.width - 1) / m.tile_width) return OutOfRangeError("x is outside layer");
  if (y < 0 || y > (size.height - 1) / m.tile_height) {
    return OutOfRangeError("y is outside layer");
  }
  return Status::Ok();
}

namespace {

// A side in double truncated to an integer without undefined conversions: NaN is 0 and values
// beyond +-INT_MAX are clamped (found by fuzz/region_fuzz: width=3.7e9 overflowed int, and
// 1e300 int64). Sides that large are then refused by the callers' size limits.
int64_t ToSide(double v) {
  constexpr double kMax = std::numeric_limits<int>::max();
  return std::isnan(v) ? 0 : static_cast<int64_t>(std::clamp(v, -kMax, kMax));
}

}  // namespace

OutputSize CalculateOutputSize(std::optional<double> width, std::optional<double> height,
                               int64_t region_width, int64_t region_height) {
  if (region_width <= 0 || region_height <= 0) return {};
  double w = width.value_or(0);
  double h = height.value_or(0);
  if (h > 0 && w <= 0) w = h * 16;
  if (w > 0 && h <= 0) h = w * 16;
  const double rw = static_cast<double>(region_width);
  const double rh = static_cast<double>(region_height);
  int64_t scaled_w = std::max<int64_t>(1, ToSide(rw * h / rh));
  int64_t scaled_h = std::max<int64_t>(1, ToSide(rh * w / rw));
  OutputSize out;
  if (scaled_w == ToSide(w) || (w * rh > h * rw && scaled_h != h)) {
    out.width = static_cast<int>(scaled_w);
    out.height = static_cast<int>(ToSide(h));
  } else {
    out.width = static_cast<int>(ToSide(w));
    out.height = static_cast<int>(scaled_h);
  }
  return out;
}

std::vector<double> ColorSamples(const Rgba& color, int bands, PixelType type) {
  std::vector<double> v;
  if (bands <= 2) {
    v.push_back(std::floor((color.r * 299 + color.g * 587 + color.b * 114) / 1000.0));
    if (bands == 2) v.push_back(color.a);
  } else {
    v = {color.r, color.g, color.b};
    if (bands >= 4) v.push_back(color.a);
    while (static_cast<int>(v.size()) < bands) v.push_back(0);
  }
  if (type == PixelType::kU16) {
    for (double& s : v) s *= 257.0;
  } else if (type == PixelType::kF32 || type == PixelType::kF64) {
    for (double& s : v) s /= 255.0;
  }
  return v;
}

Image Letterbox(Image img, int width, int height, const Rgba& fill, bool corner) {
  if (img.width() >= width && img.height() >= height) return img;
  Image boxed(std::max(width, img.width()), std::max(height, img.height()), img.bands(),
              img.type());
  boxed.Fill(Rect{0, 0, boxed.width(), boxed.height()},
             ColorSamples(fill, boxed.bands(), boxed.type()));
  boxed.Paste(img, corner ? 0 : (boxed.width() - img.width()) / 2,
              corner ? 0 : (boxed.height() - img.height()) / 2);
  return boxed;
}

StatusOr<SourcePtr> TileService::GetSource(const SourceRef& ref) {
  return sources_.GetOrOpen(ref.key, [&]() -> StatusOr<SourcePtr> {
    if (ref.open) {
      TS_ASSIGN_OR_RETURN(std::unique_ptr<TileSource> s, ref.open());
      return SourcePtr(std::move(s));
    }
    TS_ASSIGN_OR_RETURN(std::unique_ptr<TileSource> s, registry_.Open(ref.path, options_.open));
    return SourcePtr(std::move(s));
  });
}

StatusOr<SourcePtr> TileService::GetStyledSource(const SourceRef& ref, const std::string& style,
                                                 const EncodeOptions& encode) {
  TS_ASSIGN_OR_RETURN(SourcePtr unstyled, GetSource(ref));
  if (style.empty()) return unstyled;
  return sources_.GetOrDerive(
      StyledSourceKey(ref.key, style, encode), ref.key, unstyled,
      [&](const SourcePtr& parent) -> StatusOr<SourcePtr> {
        TS_ASSIGN_OR_RETURN(Style parsed, ParseStyle(style));
        return SourcePtr(std::make_shared<DerivedSource>(parent, std::move(parsed), encode));
      });
}

namespace {

// Stored bytes can be the answer only when nothing is asked of the pixels: no style (or one
// that only turns ICC correction off) and the default edge. (The encoding must match too;
// that is a property of the stored tile.)
bool MayPassThrough(const TileRequest& r) {
  return (r.style.empty() || r.style == kIccOffStyle) && r.edge.mode == EdgeOptions::Mode::kNone;
}

const DerivedSource* Styled(const SourcePtr& s) {
  return dynamic_cast<const DerivedSource*>(s.get());
}

}  // namespace

TileValuePtr TileService::TryCached(const TileRequest& r) { return Cached(r, /*local=*/true); }

TileValuePtr TileService::Cached(const TileRequest& r, bool local) {
  // In-process tiers only when `local`: a shared tier (a network hop) is asked on a worker.
  auto get = [&](const std::string& key) { return local ? tiles_.GetLocal(key) : tiles_.Get(key); };
  // A request that may pass through looks at the unstyled tile first: when it is stored in
  // the wanted encoding it is the answer, and no second entry holds the same bytes.
  if (MayPassThrough(r)) {
    TileValuePtr u = get(UnstyledTileKey(r.source.key, r.frame, r.level, r.x, r.y));
    if (u && u->encoding == r.encode.encoding && (!u->needs_icc || r.style == kIccOffStyle)) {
      passthrough_.fetch_add(1, std::memory_order_relaxed);
      return u;
    }
  }
  return get(EncodedTileKey(r));
}

std::optional<StatusOr<TileValuePtr>> TileService::TryServeInline(const TileRequest& r) {
  if (!MayPassThrough(r)) return std::nullopt;  // decoding belongs on a worker
  // A shared tile tier: its lookup and the Put of what is read are network hops, and those
  // belong on a worker too (the HTTP thread must not wait on memcached or redis).
  if (tiles_.has_shared_tier()) return std::nullopt;
  SourcePtr source = sources_.Peek(r.source.key);
  if (!source) return std::nullopt;  // opening belongs on a worker
  if (Status range = CheckTileInRange(*source, r.frame, r.level, r.x, r.y); !range.ok()) {
    return StatusOr<TileValuePtr>(range);
  }
  if (!source->HasLevel(r.frame, r.level)) return std::nullopt;
  // A profile means colour work, on a worker. (Finding out is a lookup after the first time.)
  if (IccFor(source, r.source, r.frame, nullptr)) return std::nullopt;
  const std::string key = UnstyledTileKey(r.source.key, r.frame, r.level, r.x, r.y);
  // A worker already producing this tile will answer; do not race it. (Two HTTP threads may
  // still both read one tile here; that costs a duplicate read of stored bytes, no decode.)
  if (unstyled_flight_.InFlight(key)) return std::nullopt;
  StatusOr<std::optional<RawTile>> raw = source->ReadRawTileNoWait(r.frame, r.level, r.x, r.y);
  if (!raw.ok()) {
    if (IsWouldBlock(raw.status())) return std::nullopt;
    return StatusOr<TileValuePtr>(raw.status());
  }
  if (!*raw || (*raw)->encoding != r.encode.encoding) return std::nullopt;
  raw_reads_.fetch_add(1, std::memory_order_relaxed);
  inline_reads_.fetch_add(1, std::memory_order_relaxed);
  passthrough_.fetch_add(1, std::memory_order_relaxed);
  TileValuePtr v = MakeEncodedValue((*raw)->encoding, std::move((*raw)->bytes));
  tiles_.Put(key, v);
  return StatusOr<TileValuePtr>(v);
}

StatusOr<TileValuePtr> TileService::GetTile(const TileRequest& r, bool* cached) {
  const std::string key = EncodedTileKey(r);
  // Every tier (shared ones too) before any source is opened: a tile another node made is
  // served without opening its file here.
  if (TileValuePtr v = Cached(r, /*local=*/false)) {
    if (cached) *cached = true;
    return v;
  }
  if (cached) *cached = false;
  return encoded_flight_.Do(key, [&]() { return ProduceTile(r, key); });
}

StatusOr<TileValuePtr> TileService::DecodedTile(const TileValuePtr& value, const SourceRef& ref,
                                                int frame, int level, int64_t x, int64_t y) {
  if (!value->is_encoded()) return value;
  const std::string key = UnstyledTileKey(ref.key, frame, level, x, y) + "|pixels";
  if (TileValuePtr v = tiles_.Get(key)) return v;
  return unstyled_flight_.Do(key, [&]() -> StatusOr<TileValuePtr> {
    if (TileValuePtr v = tiles_.Get(key)) return v;
    Image storage;  // an encoded value is decoded into it
    TS_RETURN_IF_ERROR(PixelsOf(value, &storage, ref, frame, level, x, y).status());
    TileValuePtr v = MakePixelValue(std::move(storage), value->needs_icc);
    tiles_.Put(key, v);
    return v;
  });
}

StatusOr<const Image*> TileService::PixelsOf(const TileValuePtr& value, Image* storage,
                                             const SourceRef& ref, int frame, int level, int64_t x,
                                             int64_t y) {
  if (!value->is_encoded()) return &value->pixels;
  decodes_.fetch_add(1, std::memory_order_relaxed);
  StatusOr<Image> decoded = Decode(value->bytes);
  if (!decoded.ok()) {
    return decoded.status().WithContext(
        (ref.path.empty() ? ref.key : ref.path) + ": frame " + std::to_string(frame) + " level " +
        std::to_string(level) + " tile (" + std::to_string(x) + ", " + std::to_string(y) + ")");
  }
  *storage = std::move(decoded).value();
  return storage;
}

StatusOr<TileValuePtr> TileService::ProduceTile(const TileRequest& r, const std::string& key) {
  if (TileValuePtr v = tiles_.Get(key)) return v;  // finished by a flight that just ended
  TS_ASSIGN_OR_RETURN(SourcePtr source, GetStyledSource(r.source, r.style, r.encode));
  TS_RETURN_IF_ERROR(CheckTileInRange(*source, r.frame, r.level, r.x, r.y));
  TS_ASSIGN_OR_RETURN(TileValuePtr unstyled,
                      GetUnstyledTile(source, r.source, r.frame, r.level, r.x, r.y));

  // Passthrough: no style, no edge change, the colours need no ICC correction, and the
  // stored bytes are already the encoding.
  if (MayPassThrough(r) && unstyled->encoding == r.encode.encoding &&
      (!unstyled->needs_icc || r.style == kIccOffStyle)) {
    passthrough_.fetch_add(1, std::memory_order_relaxed);
    return unstyled;
  }

  const DerivedSource* d = Styled(source);
  std::shared_ptr<const ResolvedStyle> style;
  if (d) {
    TS_ASSIGN_OR_RETURN(style, ResolveStyle(*d, r.source, r.frame));
  }
  std::shared_ptr<const IccTransform> icc =
      IccFor(source, r.source, r.frame, d ? &d->style() : nullptr);
  Image storage, styled;
  const Image* pixels = nullptr;
  if (style || icc) {
    // Many styles of one tile: the stored tile is decoded once and kept. Bands of other frames
    // read the same tile of those frames, through the tile cache too.
    const SourcePtr& unstyled_source = d ? d->unstyled() : source;
    TS_ASSIGN_OR_RETURN(TileValuePtr main,
                        DecodedTile(unstyled, r.source, r.frame, r.level, r.x, r.y));
    styled = main->pixels.Clone();
    if (icc) styled = ToSrgb(*icc, std::move(styled));
    if (style) {
      auto read = [&](int f) -> StatusOr<Image> {
        TS_ASSIGN_OR_RETURN(TileValuePtr t,
                            GetUnstyledTile(unstyled_source, r.source, f, r.level, r.x, r.y));
        TS_ASSIGN_OR_RETURN(TileValuePtr px, DecodedTile(t, r.source, f, r.level, r.x, r.y));
        return px->pixels.Clone();
      };
      TS_ASSIGN_OR_RETURN(styled, StylePixels(*style, r.frame, std::move(styled), read));
    }
    pixels = &styled;
  } else {
    TS_ASSIGN_OR_RETURN(pixels, PixelsOf(unstyled, &storage, r.source, r.frame, r.level, r.x, r.y));
  }
  const SourceMetadata& m = source->metadata();
  LevelSize size = source->GetLevelSize(r.level);
  const int content_w =
      static_cast<int>(std::min<int64_t>(m.tile_width, size.width - r.x * m.tile_width));
  const int content_h =
      static_cast<int>(std::min<int64_t>(m.tile_height, size.height - r.y * m.tile_height));
  const bool edge_tile = content_w < pixels->width() || content_h < pixels->height();
  Image edged;
  if (edge_tile && r.edge.mode == EdgeOptions::Mode::kCrop) {
    edged = pixels->Crop(Rect{0, 0, content_w, content_h});
    pixels = &edged;
  } else if (edge_tile && r.edge.mode == EdgeOptions::Mode::kFill) {
    edged = pixels->Clone();
    auto values = ColorSamples(r.edge.color, edged.bands(), edged.type());
    edged.Fill(Rect{content_w, 0, edged.width() - content_w, edged.height()}, values);
    edged.Fill(Rect{0, content_h, edged.width(), edged.height() - content_h}, values);
    pixels = &edged;
  }
  TS_ASSIGN_OR_RETURN(Bytes bytes, Encode(*pixels, r.encode));
  encodes_.fetch_add(1, std::memory_order_relaxed);
  TileValuePtr v = MakeEncodedValue(r.encode.encoding, std::move(bytes));
  tiles_.Put(key, v);
  return v;
}

StatusOr<TileValuePtr> TileService::GetUnstyledTile(const SourcePtr& source, const SourceRef& ref,
                                                    int frame, int level, int64_t x, int64_t y) {
  const std::string key = UnstyledTileKey(ref.key, frame, level, x, y);
  if (TileValuePtr v = tiles_.Get(key)) return v;
  return unstyled_flight_.Do(key, [&]() -> StatusOr<TileValuePtr> {
    if (TileValuePtr v = tiles_.Get(key)) return v;
    TileValuePtr v;
    const bool needs_icc = IccFor(source, ref, frame, nullptr) != nullptr;
    if (source->HasLevel(frame, level)) {
      TS_ASSIGN_OR_RETURN(std::optional<RawTile> raw, source->ReadRawTile(frame, level, x, y));
      if (raw) {
        raw_reads_.fetch_add(1, std::memory_order_relaxed);
        v = MakeEncodedValue(raw->encoding, std::move(raw->bytes), needs_icc);
      } else {
        tile_reads_.fetch_add(1, std::memory_order_relaxed);
        TS_ASSIGN_OR_RETURN(Image img, source->ReadTile(frame, level, x, y));
        v = MakePixelValue(std::move(img), needs_icc);
      }
    } else {
      TS_ASSIGN_OR_RETURN(Image img, Synthesize(source, ref, frame, level, x, y));
      v = MakePixelValue(std::move(img), needs_icc);
    }
    tiles_.Put(key, v);
    return v;
  });
}

StatusOr<Image> TileService::Synthesize(const SourcePtr& source, const SourceRef& ref, int frame,
                                        int level, int64_t x, int64_t y) {
  const SourceMetadata& m = source->metadata();
  if (level + 1 >= m.levels) {
    return DataLossError("the full-resolution level of the image is not readable");
  }
  const int tw = m.tile_width;
  const int th = m.tile_height;
  const LevelSize child = source->GetLevelSize(level + 1);
  // One step of 2x2: the four child tiles are read (or synthesized, recursively, one level
  // at a time) through the tile cache, so a 4x or 8x gap never holds more than four child
  // tiles per level in memory.
  Image canvas(2 * tw, 2 * th, m.band_count, m.dtype);
  for (int dy = 0; dy < 2; ++dy) {
    for (int dx = 0; dx < 2; ++dx) {
      const int64_t cx = 2 * x + dx;
      const int64_t cy = 2 * y + dy;
      if (cx * tw >= child.width || cy * th >= child.height) continue;
      TS_ASSIGN_OR_RETURN(TileValuePtr tile,
                          GetUnstyledTile(source, ref, frame, level + 1, cx, cy));
      Image storage;
      TS_ASSIGN_OR_RETURN(const Image* px, PixelsOf(tile, &storage, ref, frame, level + 1, cx, cy));
      if (px->bands() != canvas.bands() || px->type() != canvas.type()) {
        return InternalError("tile at level " + std::to_string(level + 1) +
                             " does not match the image's band count or type");
      }
      canvas.Paste(*px, static_cast<int64_t>(dx) * tw, static_cast<int64_t>(dy) * th);
    }
  }
  const int64_t valid_w = std::clamp<int64_t>(child.width - 2 * x * tw, 0, 2 * tw);
  const int64_t valid_h = std::clamp<int64_t>(child.height - 2 * y * th, 0, 2 * th);
  synthesized_.fetch_add(1, std::memory_order_relaxed);
  return Downsample2x(canvas, valid_w, valid_h);
}

StatusOr<Image> TileService::ReadRegion(const SourcePtr& source, const SourceRef& ref, int frame,
                                        const RegionPlan& plan,
                                        std::optional<ResampleFilter> filter, Samples samples) {
  const SourceMetadata& m = source->metadata();
  if (frame < 0 || frame >= m.frame_count) return OutOfRangeError("Frame does not exist");
  if (plan.empty) return Image(0, 0, m.band_count, m.dtype);
  const uint64_t out_pixels = static_cast<uint64_t>(plan.out_width) * plan.out_height;
  const uint64_t read_pixels = static_cast<uint64_t>(plan.rect.width) * plan.rect.height;
  // Reading is allowed up to 4x the output budget (a level at most 2x larger per side).
  if (out_pixels > options_.max_output_pixels || read_pixels > 4 * options_.max_output_pixels) {
    return InvalidArgumentError("Requested region is too large: the limit is " +
                                std::to_string(options_.max_output_pixels) + " output pixels");
  }
  TS_ASSIGN_OR_RETURN(Image img,
                      ReadLevelRegion(source, ref, frame, plan.level, plan.rect, samples));
  if (img.width() == plan.out_width && img.height() == plan.out_height) return img;
  TS_RETURN_IF_ERROR(DecodeBudget::ChargePixels(plan.out_width, plan.out_height,
                                                img.bands() * img.sample_bytes()));
  const bool enlarge = plan.out_width > img.width() || plan.out_height > img.height();
  const ResampleFilter f =
      filter.value_or(enlarge ? ResampleFilter::kCubic : ResampleFilter::kLanczos3);
  return Resize(img, plan.out_width, plan.out_height, f);
}

StatusOr<Image> TileService::ReadLevelRegion(const SourcePtr& source, const SourceRef& ref,
                                             int frame, int level, const Rect& rect,
                                             Samples samples) {
  const DerivedSource* d = Styled(source);
  const SourcePtr& unstyled = d ? d->unstyled() : source;
  std::shared_ptr<const ResolvedStyle> style;
  if (d) {
    TS_ASSIGN_OR_RETURN(style, ResolveStyle(*d, ref, frame));
  }
  std::shared_ptr<const IccTransform> icc;
  if (samples == Samples::kDisplay) icc = IccFor(source, ref, frame, d ? &d->style() : nullptr);
  TS_ASSIGN_OR_RETURN(Image main, ReadUnstyledLevelRegion(unstyled, ref, frame, level, rect,
                                                          style != nullptr || icc != nullptr));
  if (icc) main = ToSrgb(*icc, std::move(main));
  if (!style) return main;
  return StylePixels(*style, frame, std::move(main), [&](int f) {
    return ReadUnstyledLevelRegion(unstyled, ref, f, level, rect, true);
  });
}

StatusOr<Image> TileService::ReadUnstyledLevelRegion(const SourcePtr& source, const SourceRef& ref,
                                                     int frame, int level, const Rect& rect,
                                                     bool keep_decoded) {
  const SourceMetadata& m = source->metadata();
  LevelSize size = source->GetLevelSize(level);
  Rect inside = Intersect(rect, Rect{0, 0, size.width, size.height});
  TS_RETURN_IF_ERROR(
      DecodeBudget::ChargePixels(rect.width, rect.height, m.band_count * BytesPerSample(m.dtype)));
  Image out(static_cast<int>(rect.width), static_cast<int>(rect.height), m.band_count, m.dtype);
  if (inside.empty()) return out;
  const int64_t x0 = inside.x / m.tile_width;
  const int64_t x1 = (inside.x + inside.width - 1) / m.tile_width;
  const int64_t y0 = inside.y / m.tile_height;
  const int64_t y1 = (inside.y + inside.height - 1) / m.tile_height;
  for (int64_t ty = y0; ty <= y1; ++ty) {
    for (int64_t tx = x0; tx <= x1; ++tx) {
      TS_ASSIGN_OR_RETURN(TileValuePtr tile, GetUnstyledTile(source, ref, frame, level, tx, ty));
      Image storage;
      const Image* px = nullptr;
      if (keep_decoded) {
        TS_ASSIGN_OR_RETURN(tile, DecodedTile(tile, ref, frame, level, tx, ty));
        px = &tile->pixels;
      } else {
        TS_ASSIGN_OR_RETURN(px, PixelsOf(tile, &storage, ref, frame, level, tx, ty));
      }
      if (px->bands() != out.bands() || px->type() != out.type()) {
        return InternalError("tile does not match the image's band count or type");
      }
      // Only the part of the tile inside the level is copied (edge tiles carry padding).
      Rect tile_rect{tx * m.tile_width, ty * m.tile_height, m.tile_width, m.tile_height};
      Rect part = Intersect(tile_rect, inside);
      Image piece =
          px->Crop(Rect{part.x - tile_rect.x, part.y - tile_rect.y, part.width, part.height});
      out.Paste(piece, part.x - rect.x, part.y - rect.y);
    }
  }
  return out;
}

StatusOr<TileValuePtr> TileService::GetThumbnail(const ThumbnailRequest& r) {
  const std::string key = ThumbnailKey(r);
  if (TileValuePtr v = tiles_.Get(key)) return v;
  return encoded_flight_.Do(key, [&]() { return ProduceThumbnail(r, key); });
}

StatusOr<TileValuePtr> TileService::ProduceThumbnail(const ThumbnailRequest& r,
                                                     const std::string& key) {
  if (TileValuePtr v = tiles_.Get(key)) return v;
  if ((r.width && *r.width < 2) || (r.height && *r.height < 2)) {
    return InvalidArgumentError("Invalid width or height.  Minimum value is 2.");
  }
  std::optional<int> want_w = r.width, want_h = r.height;
  if (!want_w && !want_h) want_w = want_h = 256;
  TS_ASSIGN_OR_RETURN(SourcePtr source, GetStyledSource(r.source, r.style, r.encode));
  const SourceMetadata& m = source->metadata();
  if (r.frame < 0 || r.frame >= m.frame_count) return OutOfRangeError("Frame does not exist");
  RegionSpec spec;
  if (want_w) spec.max_width = *want_w;
  if (want_h) spec.max_height = *want_h;
  TS_ASSIGN_OR_RETURN(RegionPlan plan, PlanRegion(*source, spec));
  TS_ASSIGN_OR_RETURN(Image img, ReadRegion(source, r.source, r.frame, plan, std::nullopt));
  if (r.fill && r.width && r.height)
    img = Letterbox(std::move(img), *r.width, *r.height, *r.fill, r.fill_corner);
  TS_ASSIGN_OR_RETURN(Bytes bytes, Encode(img, r.encode));
  encodes_.fetch_add(1, std::memory_order_relaxed);
  thumbnails_.fetch_add(1, std::memory_order_relaxed);
  TileValuePtr v = MakeEncodedValue(r.encode.encoding, std::move(bytes));
  tiles_.Put(key, v);
  return v;
}

TileServiceStats TileService::Stats() const {
  TileServiceStats s;
  s.tile_reads = tile_reads_.load();
  s.raw_reads = raw_reads_.load();
  s.decodes = decodes_.load();
  s.synthesized = synthesized_.load();
  s.encodes = encodes_.load();
  s.passthrough = passthrough_.load();
  s.thumbnails = thumbnails_.load();
  s.inline_reads = inline_reads_.load();
  s.flight_waits = unstyled_flight_.waits() + encoded_flight_.waits();
  return s;
}

}  // namespace tessera
