#include "source/tiff_source.h"

#include <tiffio.h>

#include <algorithm>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "core/logging.h"
#include "core/thread_annotations.h"
#include "imaging/codec.h"
#include "source/ome_metadata.h"
#include "source/tiff_directory.h"
#include "source/tiff_orientation.h"

namespace tessera {
namespace {

constexpr size_t kStripCacheBytes = size_t{32} << 20;
constexpr uint64_t kMaxRawUnitBytes = uint64_t{1} << 30;
constexpr size_t kDescriptionPropertyLimit = size_t{1} << 20;
constexpr size_t kHandleBytes = 32 << 10;  // a libtiff handle and its directory, roughly

enum class DecodePath {
  kJpeg,     // pread + JPEGTables splice + TurboJPEG
  kLibtiff,  // pread + TIFFReadFromUserBuffer on a pooled handle
  kRows,     // uncompressed strips: pread the wanted rows only
  kRgba,     // libtiff's RGBA interface (palette, bilevel, CMYK, ...): 8-bit RGBA
};

// How one IFD's pixels are decoded, and what comes out.
struct IfdPlan {
  const TiffDirectory* dir = nullptr;
  DecodePath path = DecodePath::kLibtiff;
  PixelType type = PixelType::kU8;
  int bands = 1;
};

std::optional<PixelType> NativeType(const TiffDirectory& d) {
  const bool is_int = d.sample_format == SAMPLEFORMAT_INT;
  const bool is_float = d.sample_format == SAMPLEFORMAT_IEEEFP;
  if (!is_int && !is_float && d.sample_format != SAMPLEFORMAT_UINT &&
      d.sample_format != SAMPLEFORMAT_VOID) {
    return std::nullopt;
  }
  switch (d.bits_per_sample) {
    case 8:
      if (!is_float) return is_int ? PixelType::kI8 : PixelType::kU8;
      break;
    case 16:
      if (!is_float) return is_int ? PixelType::kI16 : PixelType::kU16;
      break;
    case 32:
      return is_float ? PixelType::kF32 : is_int ? PixelType::kI32 : PixelType::kU32;
    case 64:
      if (is_float) return PixelType::kF64;
      break;
  }
  return std::nullopt;
}

StatusOr<IfdPlan> PlanIfd(const TiffDirectory& d, TiffHandle& handle, const std::string& path) {
  if (!d.unusable.empty()) return UnsupportedError(path + ": " + d.Name() + ": " + d.unusable);
  if (!TIFFIsCODECConfigured(d.compression)) {
    return UnsupportedError(path + ": " + d.Name() + " uses compression " +
                            std::to_string(d.compression) + " (" + CompressionName(d.compression) +
                            "), which this libtiff build cannot decode");
  }
  const std::optional<PixelType> native = NativeType(d);
  const uint16_t pm = d.photometric;
  const bool jpeg = d.compression == COMPRESSION_JPEG;
  const bool plain = pm == PHOTOMETRIC_MINISWHITE || pm == PHOTOMETRIC_MINISBLACK ||
                     pm == PHOTOMETRIC_RGB || (pm == PHOTOMETRIC_YCBCR && jpeg);
  const DecodePath native_path =
      !d.tiled && d.compression == COMPRESSION_NONE ? DecodePath::kRows : DecodePath::kLibtiff;
  if (native && plain && jpeg && d.bits_per_sample == 8 && d.planes() == 1 &&
      (d.samples_per_pixel == 1 || d.samples_per_pixel == 3)) {
    return IfdPlan{&d, DecodePath::kJpeg, *native, d.samples_per_pixel};
  }
  if (native && plain && pm != PHOTOMETRIC_YCBCR) {
    return IfdPlan{&d, native_path, *native, d.samples_per_pixel};
  }
  // Palette, bilevel, CMYK, uncompressed YCbCr, old-style JPEG...: libtiff's RGBA interface.
  TS_RETURN_IF_ERROR(handle.SetDirectory(d.offset));
  char why[1024] = "";
  if (TIFFRGBAImageOK(handle.get(), why)) return IfdPlan{&d, DecodePath::kRgba, PixelType::kU8, 4};
  handle.TakeErrors();
  if (native && pm != PHOTOMETRIC_YCBCR) {  // an unusual photometric: pass the samples through
    return IfdPlan{&d, native_path, *native, d.samples_per_pixel};
  }
  return UnsupportedError(path + ": " + d.Name() + " has samples Tessera cannot read (" +
                          std::to_string(d.bits_per_sample) + " bits, sample format " +
                          std::to_string(d.sample_format) + ", " + PhotometricName(pm) + ")" +
                          (*why ? std::string(": ") + why : std::string()));
}

void SwapSampleBytes(Image& img) {
  const size_t s = img.sample_bytes();
  uint8_t* p = img.data();
  for (size_t i = 0; i + s <= img.byte_size(); i += s) std::reverse(p + i, p + i + s);
}

// A small LRU of decoded strips, so that the virtual tiles of one strip row do not decode the
// same strips again and again.
class StripCache {
 public:
  std::shared_ptr<const Image> Get(uint64_t dir, int64_t strip) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find({dir, strip});
    if (it == index_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->image;
  }
  void Put(uint64_t dir, int64_t strip, std::shared_ptr<const Image> image) {
    std::lock_guard<std::mutex> lock(mu_);
    if (image->byte_size() > kStripCacheBytes / 2 || index_.count({dir, strip})) return;
    bytes_ += image->byte_size();
    lru_.push_front(Entry{{dir, strip}, std::move(image)});
    index_[{dir, strip}] = lru_.begin();
    while (bytes_ > kStripCacheBytes && !lru_.empty()) {
      bytes_ -= lru_.back().image->byte_size();
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
  }

 private:
  using Key = std::pair<uint64_t, int64_t>;
  struct Entry {
    Key key;
    std::shared_ptr<const Image> image;
  };
  std::mutex mu_;
  std::list<Entry> lru_ GUARDED_BY(mu_);
  std::map<Key, std::list<Entry>::iterator> index_ GUARDED_BY(mu_);
  size_t bytes_ GUARDED_BY(mu_) = 0;
};

struct FrameLevels {
  std::vector<int> plan;  // per large_image level: index in plans_, -1 when not stored
  std::vector<std::pair<std::string, int>> indices;
};

class TiffSource final : public TileSource {
 public:
  TiffSource(std::string path, std::unique_ptr<RandomAccessFile> file)
      : path_(std::move(path)),
        file_(std::move(file)),
        pool_(*file_, std::max(4u, 2 * std::thread::hardware_concurrency())) {}

  Status Init(const OpenOptions& options);

  std::string_view format_name() const override { return "tiff"; }
  const SourceMetadata& metadata() const override { return metadata_; }
  LevelSize GetLevelSize(int level) const override;
  bool HasLevel(int frame, int level) const override {
    return frame >= 0 && frame < static_cast<int>(frames_.size()) && level >= 0 &&
           level < metadata_.levels && frames_[frame].plan[level] >= 0;
  }
  StatusOr<Image> ReadTile(int frame, int level, int64_t x, int64_t y) const override;
  StatusOr<std::optional<RawTile>> ReadRawTile(int frame, int level, int64_t x,
                                               int64_t y) const override {
    return ReadStoredJpegTile(frame, level, x, y, /*no_wait=*/false);
  }
  StatusOr<std::optional<RawTile>> ReadRawTileNoWait(int frame, int level, int64_t x,
                                                     int64_t y) const override {
    return ReadStoredJpegTile(frame, level, x, y, /*no_wait=*/true);
  }
  std::vector<std::string> AssociatedImageNames() const override {
    std::vector<std::string> names;
    for (const auto& a : associated_) names.push_back(a.first);
    return names;
  }
  StatusOr<Image> ReadAssociatedImage(std::string_view name) const override;
  std::optional<Bytes> IccProfile(int frame) const override;
  size_t MemoryEstimate() const override;
  int OpenFileCount() const override { return 1; }

 private:
  void BuildMetadata(const IfdPlan& base_plan, int stored_levels);
  void KeepIccProfiles(const TiffLayout& layout);
  StatusOr<const IfdPlan*> PlanFor(int frame, int level) const;
  Status TileError(const Status& st, int frame, int level, int64_t x, int64_t y) const;

  // Pixel access, in stored coordinates.
  StatusOr<Image> ReadStored(const IfdPlan& plan, const Rect& rect, bool cache) const;
  StatusOr<Image> DecodeUnit(const IfdPlan& plan, int64_t unit) const;
  StatusOr<Bytes> ReadRaw(const TiffDirectory& d, size_t strile) const;
  StatusOr<std::optional<RawTile>> ReadStoredJpegTile(int frame, int level, int64_t x, int64_t y,
                                                      bool no_wait) const;
  // A stored JPEG tile or strip with the tables spliced in; empty for a sparse one. `no_wait`:
  // only from memory (WouldBlockError otherwise).
  StatusOr<Bytes> ReadJpeg(const TiffDirectory& d, int64_t unit, bool no_wait = false) const;
  StatusOr<Image> DecodeJpegUnit(const IfdPlan& plan, int64_t unit, int w, int h) const;
  StatusOr<Image> DecodeLibtiffUnit(const IfdPlan& plan, int64_t unit, int w, int h) const;
  StatusOr<Image> DecodeRgbaUnit(const IfdPlan& plan, int64_t unit, int w, int h) const;
  StatusOr<Image> ReadRows(const IfdPlan& plan, const Rect& rect) const;

  const std::string path_;
  const std::unique_ptr<RandomAccessFile> file_;
  TiffStructure structure_;
  std::vector<IfdPlan> plans_;  // point into structure_, which never changes after Init
  std::vector<FrameLevels> frames_;
  std::vector<std::pair<std::string, int>> associated_;  // name -> plans_ index
  std::optional<OmeMetadata> ome_;
  // large_image's _iccprofiles: per frame up to the last frame that has one; empty entries for
  // frames without.
  std::vector<Bytes> icc_;
  SourceMetadata metadata_;
  int orientation_ = 1;
  bool strip_levels_ = false;
  mutable TiffHandlePool pool_;
  mutable StripCache strips_;
};

Status TiffSource::Init(const OpenOptions& options) {
  TS_ASSIGN_OR_RETURN(auto scan, TiffHandle::Open(*file_, /*defer_tables=*/false));
  TS_ASSIGN_OR_RETURN(structure_, ScanTiff(*scan, path_, options.max_dimension));
  const TiffDirectory& base = structure_.directories[0];
  TS_ASSIGN_OR_RETURN(IfdPlan base_plan, PlanIfd(base, *scan, path_));
  std::map<const TiffDirectory*, std::optional<IfdPlan>> plans;
  auto plan_of = [&](const TiffDirectory& d) -> const std::optional<IfdPlan>& {
    auto it = plans.find(&d);
    if (it != plans.end()) return it->second;
    auto plan = PlanIfd(d, *scan, path_);
    if (!plan.ok()) TS_LOG(kDebug) << plan.status().message();
    return plans[&d] = plan.ok() ? std::optional<IfdPlan>(*plan) : std::nullopt;
  };
  TiffLayout layout = BuildTiffLayout(
      structure_,
      [&](const TiffDirectory& d) {
        const auto& p = plan_of(d);
        return p && p->type == base_plan.type && p->bands == base_plan.bands;
      },
      [&](const TiffDirectory& d) { return plan_of(d).has_value(); });
  auto add_plan = [&](const TiffDirectory* d) {
    if (!d) return -1;
    plans_.push_back(d == &base ? base_plan : *plan_of(*d));
    return static_cast<int>(plans_.size()) - 1;
  };
  for (const TiffLayout::Frame& f : layout.frames) {
    frames_.push_back(FrameLevels{{}, f.indices});
    for (const TiffDirectory* d : f.levels) frames_.back().plan.push_back(add_plan(d));
  }
  for (const auto& [name, d] : layout.associated) associated_.emplace_back(name, add_plan(d));
  orientation_ = base.orientation;
  strip_levels_ = !base.tiled && base.compression != COMPRESSION_NONE;
  metadata_.size_x = layout.size.width;
  metadata_.size_y = layout.size.height;
  metadata_.tile_width = layout.tile_width;
  metadata_.tile_height = layout.tile_height;
  metadata_.levels = layout.levels;
  metadata_.dtype = base_plan.type;
  metadata_.band_count = base_plan.bands;
  metadata_.channels = layout.channels;
  ome_ = std::move(layout.ome);
  KeepIccProfiles(layout);
  BuildMetadata(base_plan, layout.stored_levels);
  return Status::Ok();
}

void TiffSource::KeepIccProfiles(const TiffLayout& layout) {
  for (size_t f = 0; f < layout.frames.size(); ++f) {
    const TiffDirectory* full = layout.frames[f].levels.back();
    if (!full || full->icc_profile.empty()) continue;
    icc_.resize(f + 1);
    icc_[f] = full->icc_profile;
  }
  for (TiffDirectory& d : structure_.directories) {
    Bytes().swap(d.icc_profile);
    for (TiffDirectory& s : d.subifds) Bytes().swap(s.icc_profile);
  }
}

void TiffSource::BuildMetadata(const IfdPlan& base_plan, int stored_levels) {
  const TiffDirectory& base = structure_.directories[0];
  SourceMetadata& m = metadata_;
  m.frame_count = static_cast<int>(frames_.size());
  if (frames_.size() > 1) {
    for (const FrameLevels& f : frames_) m.frames.push_back(FrameInfo{f.indices});
  }

  // Scale: Aperio's description, the OME physical size, else a resolution of at least 100
  // pixels per unit (large_image ignores smaller, default-looking values).
  auto& props = m.properties;
  std::optional<AperioMetadata> aperio = ParseAperioDescription(base.description);
  if (aperio) {
    m.magnification = aperio->magnification;
    m.mm_x = m.mm_y = aperio->mm_per_pixel;
  }
  if (!m.mm_x && ome_) {
    m.mm_x = ome_->mm_x;
    m.mm_y = ome_->mm_y;
  }
  if (!m.mm_x && !m.mm_y) {
    const double mm_per_unit = base.resolution_unit == RESUNIT_INCH         ? 25.4
                               : base.resolution_unit == RESUNIT_CENTIMETER ? 10.0
                                                                            : 0.0;
    if (mm_per_unit > 0 && base.x_resolution >= 100) m.mm_x = mm_per_unit / base.x_resolution;
    if (mm_per_unit > 0 && base.y_resolution >= 100) m.mm_y = mm_per_unit / base.y_resolution;
    if (OrientationSwapsAxes(orientation_)) std::swap(m.mm_x, m.mm_y);
  }
  if (!m.magnification && m.mm_x && *m.mm_x > 0) m.magnification = 0.01 / *m.mm_x;

  for (const auto& [tag, value] : base.text_tags) props.emplace_back("tiff." + tag, value);
  if (!base.description.empty()) {
    props.emplace_back("tiff.ImageDescription",
                       base.description.substr(0, kDescriptionPropertyLimit));
  }
  if (aperio) {
    for (const auto& [key, value] : aperio->pairs) props.emplace_back("aperio." + key, value);
  }
  static constexpr const char* kDecoders[] = {"turbojpeg", "libtiff", "rows", "libtiff-rgba"};
  props.emplace_back("tessera.storedLevels", std::to_string(stored_levels));
  props.emplace_back("tessera.compression", CompressionName(base.compression));
  props.emplace_back("tessera.photometric", PhotometricName(base.photometric));
  props.emplace_back("tessera.decoder", kDecoders[static_cast<int>(base_plan.path)]);
  props.emplace_back("tessera.tiled", base.tiled ? "true" : "false");
  props.emplace_back("tessera.storedTileWidth", std::to_string(base.tile_width));
  props.emplace_back("tessera.storedTileHeight", std::to_string(base.tile_height));
  props.emplace_back("tessera.bitsPerSample", std::to_string(base.bits_per_sample));
  props.emplace_back("tessera.planarConfig",
                     base.planar_config == PLANARCONFIG_SEPARATE ? "separate" : "contig");
  props.emplace_back("tessera.orientation", std::to_string(base.orientation));
  props.emplace_back("tessera.bigtiff", structure_.big_tiff ? "true" : "false");
  props.emplace_back("tessera.byteOrder", structure_.big_endian ? "big-endian" : "little-endian");
  if (base.predictor != PREDICTOR_NONE) {
    props.emplace_back("tessera.predictor", std::to_string(base.predictor));
  }
  if (base.has_icc) props.emplace_back("tessera.iccProfile", "true");
  props.emplace_back("tessera.layout", ome_ ? "ome" : aperio ? "aperio" : "tiff");
  props.emplace_back("tessera.directories", std::to_string(structure_.directories.size()));
}

// ---- tile access --------------------------------------------------------------------------

LevelSize TiffSource::GetLevelSize(int level) const {
  if (level >= 0 && level < metadata_.levels) {
    for (const FrameLevels& f : frames_) {
      if (f.plan[level] >= 0) return DisplayedSize(*plans_[f.plan[level]].dir);
    }
  }
  return TileSource::GetLevelSize(level);
}

StatusOr<const IfdPlan*> TiffSource::PlanFor(int frame, int level) const {
  if (frame < 0 || frame >= static_cast<int>(frames_.size())) {
    return OutOfRangeError(path_ + ": no frame " + std::to_string(frame) + " (it has " +
                           std::to_string(frames_.size()) + ")");
  }
  if (level < 0 || level >= metadata_.levels) {
    return OutOfRangeError(path_ + ": no level " + std::to_string(level));
  }
  if (frames_[frame].plan[level] < 0) {
    return NotFoundError(path_ + ": level " + std::to_string(level) + " of frame " +
                         std::to_string(frame) + " is not stored in the file");
  }
  return &plans_[frames_[frame].plan[level]];
}

Status TiffSource::TileError(const Status& st, int frame, int level, int64_t x, int64_t y) const {
  return Status(st.code(), path_ + ": cannot read tile (" + std::to_string(x) + ", " +
                               std::to_string(y) + ") of level " + std::to_string(level) +
                               (frames_.size() > 1 ? " of frame " + std::to_string(frame) : "") +
                               ": " + st.message());
}

StatusOr<Image> TiffSource::ReadTile(int frame, int level, int64_t x, int64_t y) const {
  TS_ASSIGN_OR_RETURN(const IfdPlan* plan, PlanFor(frame, level));
  const TiffDirectory& d = *plan->dir;
  const LevelSize ls = DisplayedSize(d);
  const int tw = metadata_.tile_width, th = metadata_.tile_height;
  if (x < 0 || y < 0 || x * tw >= ls.width || y * th >= ls.height) {
    return OutOfRangeError(path_ + ": tile (" + std::to_string(x) + ", " + std::to_string(y) +
                           ") is outside level " + std::to_string(level));
  }
  StatusOr<Image> result = [&]() -> StatusOr<Image> {
    if (orientation_ == 1 && d.tiled) return DecodeUnit(*plan, y * d.units_across() + x);
    const Rect shown = Intersect(Rect{x * tw, y * th, tw, th}, Rect{0, 0, ls.width, ls.height});
    const Rect stored = StoredRectForDisplayed(orientation_, shown, ls.width, ls.height);
    TS_ASSIGN_OR_RETURN(Image pixels, ReadStored(*plan, stored, /*cache=*/true));
    if (orientation_ != 1) pixels = OrientImage(orientation_, pixels);
    if (pixels.width() == tw && pixels.height() == th) return pixels;
    Image tile(tw, th, plan->bands, plan->type);
    tile.Paste(pixels, 0, 0);
    return tile;
  }();
  if (!result.ok()) return TileError(result.status(), frame, level, x, y);
  return result;
}

StatusOr<std::optional<RawTile>> TiffSource::ReadStoredJpegTile(int frame, int level, int64_t x,
                                                                int64_t y, bool no_wait) const {
  TS_ASSIGN_OR_RETURN(const IfdPlan* plan, PlanFor(frame, level));
  const TiffDirectory& d = *plan->dir;
  if (plan->path != DecodePath::kJpeg || !d.tiled || orientation_ != 1) {
    return std::optional<RawTile>();
  }
  if (x < 0 || y < 0 || x >= d.units_across() || y >= d.units_down()) {
    return OutOfRangeError(path_ + ": tile (" + std::to_string(x) + ", " + std::to_string(y) +
                           ") is outside level " + std::to_string(level));
  }
  auto jpeg = ReadJpeg(d, y * d.units_across() + x, no_wait);
  if (!jpeg.ok()) {
    if (IsWouldBlock(jpeg.status())) return jpeg.status();
    return TileError(jpeg.status(), frame, level, x, y);
  }
  if (jpeg->empty()) return std::optional<RawTile>();  // a sparse tile: let it be decoded
  return std::optional<RawTile>(RawTile{Encoding::kJpeg, std::move(jpeg).value()});
}

StatusOr<Image> TiffSource::ReadAssociatedImage(std::string_view name) const {
  for (const auto& [n, index] : associated_) {
    if (n != name) continue;
    const IfdPlan& plan = plans_[index];
    const TiffDirectory& d = *plan.dir;
    auto image = ReadStored(plan, Rect{0, 0, d.width, d.height}, /*cache=*/false);
    if (!image.ok()) {
      return Status(image.status().code(), path_ + ": cannot read associated image " +
                                               std::string(name) + ": " + image.status().message());
    }
    if (d.orientation == 1) return image;
    return OrientImage(d.orientation, *image);
  }
  return TileSource::ReadAssociatedImage(name);
}

std::optional<Bytes> TiffSource::IccProfile(int frame) const {
  if (frame < 0 || frame >= static_cast<int>(frames_.size())) return std::nullopt;
  // As large_image picks a frame's profile: its own entry when the list reaches it, else frame
  // 0's (files that tag only the first IFD).
  const size_t index = static_cast<size_t>(frame) < icc_.size() ? frame : 0;
  if (index >= icc_.size() || icc_[index].empty()) return std::nullopt;
  return icc_[index];
}

size_t TiffSource::MemoryEstimate() const {
  size_t n = sizeof(*this) + plans_.size() * sizeof(IfdPlan) + pool_.max_idle() * kHandleBytes;
  for (const Bytes& p : icc_) n += p.size();
  for (const TiffDirectory& d : structure_.directories) n += d.MemoryEstimate();
  if (strip_levels_) n += kStripCacheBytes;
  return n;
}

// ---- decoding -------------------------------------------------------------------------------

StatusOr<Image> TiffSource::ReadStored(const IfdPlan& plan, const Rect& rect, bool cache) const {
  if (plan.path == DecodePath::kRows) return ReadRows(plan, rect);
  const TiffDirectory& d = *plan.dir;
  Image out(static_cast<int>(rect.width), static_cast<int>(rect.height), plan.bands, plan.type);
  if (rect.empty()) return out;
  for (int64_t uy = rect.y / d.tile_height; uy <= (rect.y + rect.height - 1) / d.tile_height;
       ++uy) {
    for (int64_t ux = rect.x / d.tile_width; ux <= (rect.x + rect.width - 1) / d.tile_width; ++ux) {
      const int64_t unit = uy * d.units_across() + ux;
      std::shared_ptr<const Image> pixels =
          cache && !d.tiled ? strips_.Get(d.offset, unit) : nullptr;
      if (!pixels) {
        TS_ASSIGN_OR_RETURN(Image decoded, DecodeUnit(plan, unit));
        pixels = std::make_shared<const Image>(std::move(decoded));
        if (cache && !d.tiled) strips_.Put(d.offset, unit, pixels);
      }
      out.Paste(*pixels, ux * d.tile_width - rect.x, uy * d.tile_height - rect.y);
    }
  }
  return out;
}

StatusOr<Image> TiffSource::DecodeUnit(const IfdPlan& plan, int64_t unit) const {
  const TiffDirectory& d = *plan.dir;
  const int64_t uy = unit / d.units_across();
  const int w = static_cast<int>(d.tile_width);
  const int h = static_cast<int>(d.tiled ? d.tile_height
                                         : std::min(d.tile_height, d.height - uy * d.tile_height));
  switch (plan.path) {
    case DecodePath::kJpeg:
      return DecodeJpegUnit(plan, unit, w, h);
    case DecodePath::kRgba:
      return DecodeRgbaUnit(plan, unit, w, h);
    case DecodePath::kRows:
      return ReadRows(plan, Rect{0, uy * d.tile_height, d.width, h});
    case DecodePath::kLibtiff:
      break;
  }
  return DecodeLibtiffUnit(plan, unit, w, h);
}

StatusOr<Bytes> TiffSource::ReadRaw(const TiffDirectory& d, size_t strile) const {
  if (strile >= d.offsets.size()) return InternalError("tile index out of range");
  const uint64_t offset = d.offsets[strile], count = d.byte_counts[strile];
  if (count == 0) return Bytes();  // sparse
  if (count > kMaxRawUnitBytes || offset > file_->Size() || count > file_->Size() - offset) {
    return DataLossError((d.tiled ? "tile " : "strip ") + std::to_string(strile) + " of " +
                         d.Name() + " lies outside the file (" + std::to_string(count) +
                         " bytes at offset " + std::to_string(offset) + ")");
  }
  Bytes raw(count);
  TS_RETURN_IF_ERROR(file_->ReadAt(offset, count, raw.data()));
  return raw;
}

StatusOr<Bytes> TiffSource::ReadJpeg(const TiffDirectory& d, int64_t unit, bool no_wait) const {
  const size_t strile = static_cast<size_t>(unit);
  if (strile >= d.offsets.size()) return InternalError("tile index out of range");
  const uint64_t offset = d.offsets[strile], count = d.byte_counts[strile];
  if (count == 0) return Bytes();  // sparse
  if (count > kMaxRawUnitBytes || offset > file_->Size() || count > file_->Size() - offset) {
    return ReadRaw(d, strile).status();  // the same bounds check and message
  }
  // One buffer, one read: the tile lands right after where the tables go, its SOI where the
  // tables' EOI would be, so splicing is one copy of the (small) tables over the SOI.
  const Bytes& tables = d.jpeg_tables;
  const bool tables_ok = tables.size() >= 4 && tables[0] == 0xFF && tables[1] == 0xD8 &&
                         tables[tables.size() - 2] == 0xFF && tables.back() == 0xD9;
  const size_t prefix = tables_ok ? tables.size() - 4 : 0;
  Bytes out(prefix + count);
  TS_RETURN_IF_ERROR(no_wait ? file_->ReadAtNoWait(offset, count, out.data() + prefix)
                             : file_->ReadAt(offset, count, out.data() + prefix));
  const uint8_t* raw = out.data() + prefix;
  // A tile cut short only makes libjpeg warn (and fill with grey): refuse it, as large_image
  // does, when the stream does not end with EOI (trailing zero padding allowed).
  size_t end = count;
  while (end > 2 && raw[end - 1] == 0) --end;
  if (count < 4 || raw[0] != 0xFF || raw[1] != 0xD8) {
    return DataLossError("the stored data is not a JPEG stream");
  }
  if (raw[end - 2] != 0xFF || raw[end - 1] != 0xD9) {
    return DataLossError("the JPEG data is truncated (no end-of-image marker)");
  }
  if (tables_ok) std::copy(tables.begin(), tables.end() - 2, out.begin());
  if (d.photometric == PHOTOMETRIC_RGB) MarkRgbComponents(out);
  return out;
}

StatusOr<Image> TiffSource::DecodeJpegUnit(const IfdPlan& plan, int64_t unit, int w, int h) const {
  const TiffDirectory& d = *plan.dir;
  TS_ASSIGN_OR_RETURN(Bytes jpeg, ReadJpeg(d, unit));
  if (jpeg.empty()) return Image(w, h, plan.bands, plan.type);
  StatusOr<Image> img = DecodeJpeg(jpeg.data(), jpeg.size());
  if (!img.ok()) return DataLossError(img.status().message());
  if (img->bands() != plan.bands) {
    return DataLossError("the JPEG data has " + std::to_string(img->bands()) +
                         " components where the TIFF directory says " + std::to_string(plan.bands));
  }
  if (img->width() == w && img->height() == h) return img;
  Image out(w, h, plan.bands, plan.type);
  out.Paste(*img, 0, 0);
  return out;
}

StatusOr<Image> TiffSource::DecodeLibtiffUnit(const IfdPlan& plan, int64_t unit, int w,
                                              int h) const {
  const TiffDirectory& d = *plan.dir;
  const int planes = d.planes();
  const size_t sample = BytesPerSample(plan.type);
  Image out(w, h, plan.bands, plan.type);
  std::vector<uint8_t> plane;
  TS_ASSIGN_OR_RETURN(TiffHandlePool::Lease lease, pool_.Acquire(d.offset));
  for (int p = 0; p < planes; ++p) {
    const size_t strile = static_cast<size_t>(unit + p * d.units_per_plane());
    TS_ASSIGN_OR_RETURN(Bytes raw, ReadRaw(d, strile));
    if (raw.empty()) continue;  // sparse: zeros
    uint8_t* dst = out.data();
    size_t size = out.byte_size();
    if (planes > 1) {
      plane.assign(static_cast<size_t>(w) * h * sample, 0);
      dst = plane.data();
      size = plane.size();
    }
    if (!TIFFReadFromUserBuffer(lease->get(), static_cast<uint32_t>(strile), raw.data(),
                                static_cast<tmsize_t>(raw.size()), dst,
                                static_cast<tmsize_t>(size))) {
      std::string why = lease->TakeErrors();
      lease.Discard();
      return DataLossError("corrupt " + CompressionName(d.compression) + " data in " + d.Name() +
                           (why.empty() ? "" : ": " + why));
    }
    if (planes > 1) {
      const size_t n = static_cast<size_t>(w) * h;
      for (size_t i = 0; i < n; ++i) {
        std::memcpy(out.data() + (i * plan.bands + p) * sample, dst + i * sample, sample);
      }
    }
  }
  return out;
}

StatusOr<Image> TiffSource::DecodeRgbaUnit(const IfdPlan& plan, int64_t unit, int w, int h) const {
  const TiffDirectory& d = *plan.dir;
  TS_ASSIGN_OR_RETURN(TiffHandlePool::Lease lease, pool_.Acquire(d.offset));
  std::vector<uint32_t> raster(static_cast<size_t>(d.tile_width) * d.tile_height);
  const int64_t ux = unit % d.units_across(), uy = unit / d.units_across();
  const int ok = d.tiled
                     ? TIFFReadRGBATile(lease->get(), static_cast<uint32_t>(ux * d.tile_width),
                                        static_cast<uint32_t>(uy * d.tile_height), raster.data())
                     : TIFFReadRGBAStrip(lease->get(), static_cast<uint32_t>(uy * d.tile_height),
                                         raster.data());
  if (!ok) {
    std::string why = lease->TakeErrors();
    lease.Discard();
    return DataLossError("libtiff cannot read " + d.Name() + " as RGBA" +
                         (why.empty() ? "" : ": " + why));
  }
  // The raster's origin is at the bottom left.
  Image out(w, h, 4, PixelType::kU8);
  const int rows = d.tiled ? static_cast<int>(d.tile_height) : h;
  for (int r = 0; r < h; ++r) {
    const uint32_t* src = raster.data() + static_cast<size_t>(rows - 1 - r) * d.tile_width;
    uint8_t* dst = out.row(r);
    for (int c = 0; c < 4 * w; ++c) dst[c] = static_cast<uint8_t>(src[c / 4] >> (8 * (c % 4)));
  }
  return out;
}

StatusOr<Image> TiffSource::ReadRows(const IfdPlan& plan, const Rect& rect) const {
  const TiffDirectory& d = *plan.dir;
  const size_t sample = BytesPerSample(plan.type);
  const int planes = d.planes();
  const size_t unit_samples = planes > 1 ? 1 : d.samples_per_pixel;  // per pixel, per plane
  const uint64_t row_bytes = static_cast<uint64_t>(d.width) * unit_samples * sample;
  const uint64_t want = static_cast<uint64_t>(rect.width) * unit_samples * sample;
  Image out(static_cast<int>(rect.width), static_cast<int>(rect.height), plan.bands, plan.type);
  std::vector<uint8_t> buf;
  for (int p = 0; p < planes; ++p) {
    for (int64_t y = rect.y; y < rect.y + rect.height; ++y) {
      const int64_t strip = y / d.tile_height;
      const size_t strile = static_cast<size_t>(strip + p * d.units_per_plane());
      const uint64_t start = static_cast<uint64_t>(y - strip * d.tile_height) * row_bytes +
                             static_cast<uint64_t>(rect.x) * unit_samples * sample;
      if (strile >= d.offsets.size() || d.byte_counts[strile] < start + want ||
          d.offsets[strile] + start + want > file_->Size()) {
        return DataLossError("strip " + std::to_string(strile) + " of " + d.Name() +
                             " is shorter than its rows");
      }
      uint8_t* dst = out.row(static_cast<int>(y - rect.y));
      if (planes == 1) {
        TS_RETURN_IF_ERROR(file_->ReadAt(d.offsets[strile] + start, want, dst));
        continue;
      }
      buf.resize(want);
      TS_RETURN_IF_ERROR(file_->ReadAt(d.offsets[strile] + start, want, buf.data()));
      for (int64_t i = 0; i < rect.width; ++i) {
        std::memcpy(dst + (i * plan.bands + p) * sample, buf.data() + i * sample, sample);
      }
    }
  }
  if (structure_.big_endian && sample > 1) SwapSampleBytes(out);
  return out;
}

StatusOr<std::unique_ptr<TileSource>> OpenTiff(const std::string& path,
                                               const OpenOptions& options) {
  TS_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, options.fs->Open(path));
  auto source = std::make_unique<TiffSource>(path, std::move(file));
  TS_RETURN_IF_ERROR(source->Init(options));
  return std::unique_ptr<TileSource>(std::move(source));
}

int ProbeTiff(const std::string&, std::string_view header) {
  if (header.size() < 4) return 0;
  const std::string_view magic = header.substr(0, 4);
  for (std::string_view m : {std::string_view("II*\0", 4), std::string_view("MM\0*", 4),
                             std::string_view("II+\0", 4), std::string_view("MM\0+", 4)}) {
    if (magic == m) return 50;
  }
  return 0;
}

}  // namespace

FormatEntry TiffFormat() {
  FormatEntry e;
  e.name = "tiff";
  e.probe = ProbeTiff;
  e.open = OpenTiff;
  return e;
}

}  // namespace tessera
