#include "source/tiff_directory.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <set>

#include "core/logging.h"
#include "source/tiff_orientation.h"

namespace tessera {
namespace {

constexpr int kMaxDirectories = 1 << 16;
constexpr size_t kMaxMessageBytes = 4096;
constexpr int64_t kMaxTileSide = 1 << 16;
// Largest decoded tile (or strip) we accept, in bytes.
constexpr int64_t kMaxUnitBytes = int64_t{1} << 30;
// libtiff's own allocation ceiling for one buffer.
constexpr tmsize_t kMaxLibtiffAlloc = tmsize_t{1} << 30;
constexpr int kVirtualTileSize = 256;  // tiles served for stripped images
constexpr int64_t kMaxAssociatedSide = 8192;

}  // namespace

// Client I/O state of one handle: the file, the handle's own offset and its messages.
struct TiffHandle::State {
  const RandomAccessFile* file = nullptr;
  uint64_t pos = 0;
  std::string errors;
  std::string warnings;

  static void Append(std::string* out, const char* module, const char* fmt, va_list ap) {
    if (out->size() >= kMaxMessageBytes) return;
    char buf[1024];
    std::vsnprintf(buf, sizeof(buf), fmt, ap);
    if (!out->empty()) *out += "; ";
    if (module && *module) *out += std::string(module) + ": ";
    *out += buf;
  }
};

namespace {

using State = TiffHandle::State;

tmsize_t ReadProc(thandle_t h, void* buf, tmsize_t n) {
  auto* s = static_cast<State*>(h);
  if (n <= 0) return 0;
  size_t done = 0;
  while (done < static_cast<size_t>(n)) {
    auto r = s->file->ReadSomeAt(s->pos + done, static_cast<size_t>(n) - done,
                                 static_cast<uint8_t*>(buf) + done);
    if (!r.ok()) {
      if (s->errors.size() < kMaxMessageBytes) {
        if (!s->errors.empty()) s->errors += "; ";
        s->errors += r.status().message();
      }
      return -1;
    }
    if (*r == 0) break;
    done += *r;
  }
  s->pos += done;
  return static_cast<tmsize_t>(done);
}

tmsize_t WriteProc(thandle_t, void*, tmsize_t) { return -1; }

toff_t SeekProc(thandle_t h, toff_t off, int whence) {
  auto* s = static_cast<State*>(h);
  if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) return ~toff_t{0};
  s->pos = off + (whence == SEEK_CUR ? s->pos : whence == SEEK_END ? s->file->Size() : 0);
  return s->pos;
}

int CloseProc(thandle_t) { return 0; }
toff_t SizeProc(thandle_t h) { return static_cast<State*>(h)->file->Size(); }
int MapProc(thandle_t, void**, toff_t*) { return 0; }
void UnmapProc(thandle_t, void*, toff_t) {}

int OnError(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  State::Append(&static_cast<State*>(user)->errors, module, fmt, ap);
  return 1;  // handled: libtiff's global handler is not called
}

int OnWarning(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  State::Append(&static_cast<State*>(user)->warnings, module, fmt, ap);
  return 1;
}

}  // namespace

TiffHandle::TiffHandle(Key, std::unique_ptr<State> state, TIFF* tif)
    : state_(std::move(state)), tif_(tif), directory_(TIFFCurrentDirOffset(tif)) {}

TiffHandle::~TiffHandle() {
  if (tif_) TIFFClose(tif_);
}

StatusOr<std::unique_ptr<TiffHandle>> TiffHandle::Open(const RandomAccessFile& file,
                                                       bool defer_tables) {
  auto state = std::make_unique<State>();
  state->file = &file;
  TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
  if (!opts) return ResourceExhaustedError("out of memory opening " + file.path());
  TIFFOpenOptionsSetErrorHandlerExtR(opts, OnError, state.get());
  TIFFOpenOptionsSetWarningHandlerExtR(opts, OnWarning, state.get());
  TIFFOpenOptionsSetMaxSingleMemAlloc(opts, kMaxLibtiffAlloc);
  // m: no memory mapping (we read through `file`); c: keep the strips as stored.
  TIFF* tif =
      TIFFClientOpenExt(file.path().c_str(), defer_tables ? "rmcD" : "rmc", state.get(), ReadProc,
                        WriteProc, SeekProc, CloseProc, SizeProc, MapProc, UnmapProc, opts);
  TIFFOpenOptionsFree(opts);
  if (!tif) {
    return UnsupportedError(file.path() + " is not a readable TIFF file" +
                            (state->errors.empty() ? "" : ": " + state->errors));
  }
  return std::make_unique<TiffHandle>(Key{}, std::move(state), tif);
}

Status TiffHandle::SetDirectory(uint64_t offset) {
  if (offset == directory_) return Status::Ok();
  directory_ = 0;
  if (!TIFFSetSubDirectory(tif_, offset)) {
    return DataLossError("cannot read the TIFF directory at offset " + std::to_string(offset) +
                         " of " + state_->file->path() + ": " + TakeErrors());
  }
  directory_ = offset;
  return Status::Ok();
}

std::string TiffHandle::TakeErrors(bool with_warnings) {
  std::string out = std::move(state_->errors);
  state_->errors.clear();
  if (with_warnings && !state_->warnings.empty()) {
    out += (out.empty() ? "warnings: " : "; warnings: ") + state_->warnings;
  }
  state_->warnings.clear();
  return out;
}

// ---- pool ---------------------------------------------------------------------------------

TiffHandlePool::TiffHandlePool(const RandomAccessFile& file, size_t max_idle)
    : file_(file), max_idle_(std::max<size_t>(1, max_idle)) {}

TiffHandlePool::~TiffHandlePool() = default;

TiffHandlePool::Lease::~Lease() {
  if (handle_ && !discard_) pool_->Return(std::move(handle_));
}

StatusOr<TiffHandlePool::Lease> TiffHandlePool::Acquire(uint64_t directory_offset) {
  std::unique_ptr<TiffHandle> handle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(idle_.begin(), idle_.end(),
                           [&](const auto& h) { return h->directory() == directory_offset; });
    if (it == idle_.end() && !idle_.empty()) it = idle_.end() - 1;
    if (it != idle_.end()) {
      handle = std::move(*it);
      idle_.erase(it);
    }
  }
  if (!handle) {
    TS_ASSIGN_OR_RETURN(handle, TiffHandle::Open(file_, /*defer_tables=*/true));
  }
  Status st = handle->SetDirectory(directory_offset);
  if (!st.ok()) return st;  // the handle is dropped
  return Lease(this, std::move(handle));
}

void TiffHandlePool::Return(std::unique_ptr<TiffHandle> handle) {
  handle->TakeErrors();
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(handle));
}

// ---- directories --------------------------------------------------------------------------

std::string TiffDirectory::Name() const {
  std::string s = "IFD " + std::to_string(main_index);
  if (subifd_index >= 0) s += " SubIFD " + std::to_string(subifd_index);
  return s;
}

size_t TiffDirectory::MemoryEstimate() const {
  size_t n = sizeof(*this) + description.size() + jpeg_tables.size() + icc_profile.size() +
             (offsets.capacity() + byte_counts.capacity()) * sizeof(uint64_t);
  for (const auto& t : text_tags) n += t.first.size() + t.second.size() + 64;
  for (const auto& s : subifds) n += s.MemoryEstimate();
  return n;
}

namespace {

struct TextTag {
  ttag_t tag;
  const char* name;
};
constexpr TextTag kTextTags[] = {
    {TIFFTAG_SOFTWARE, "Software"},   {TIFFTAG_MAKE, "Make"},
    {TIFFTAG_MODEL, "Model"},         {TIFFTAG_DATETIME, "DateTime"},
    {TIFFTAG_ARTIST, "Artist"},       {TIFFTAG_HOSTCOMPUTER, "HostComputer"},
    {TIFFTAG_COPYRIGHT, "Copyright"}, {TIFFTAG_DOCUMENTNAME, "DocumentName"},
    {TIFFTAG_PAGENAME, "PageName"},
};

template <typename T>
T FieldOr(TIFF* tif, ttag_t tag, T fallback) {
  T v{};
  return TIFFGetFieldDefaulted(tif, tag, &v) ? v : fallback;
}

std::vector<uint64_t> CopyArray(const uint64_t* p, size_t n) {
  return p ? std::vector<uint64_t>(p, p + n) : std::vector<uint64_t>();
}

// Reads the current directory of `tif`. Geometry problems are reported in `unusable`.
TiffDirectory ReadCurrentDirectory(TIFF* tif, int main_index, int subifd_index, uint64_t offset,
                                   int64_t max_dimension, std::vector<uint64_t>* subifd_offsets) {
  TiffDirectory d;
  d.main_index = main_index;
  d.subifd_index = subifd_index;
  d.offset = offset;
  uint32_t w = 0, h = 0;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
  d.width = w;
  d.height = h;
  d.tiled = TIFFIsTiled(tif);
  if (d.tiled) {
    uint32_t tw = 0, th = 0;
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
    d.tile_width = tw;
    d.tile_height = th;
  } else {
    uint32_t rps = FieldOr<uint32_t>(tif, TIFFTAG_ROWSPERSTRIP, h);
    d.tile_width = w;
    d.tile_height = std::min<int64_t>(rps == 0 ? h : rps, h);
  }
  d.compression = FieldOr<uint16_t>(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  d.bits_per_sample = FieldOr<uint16_t>(tif, TIFFTAG_BITSPERSAMPLE, 1);
  uint16_t sample_format = 0;
  d.has_sample_format = TIFFGetField(tif, TIFFTAG_SAMPLEFORMAT, &sample_format);
  d.sample_format = d.has_sample_format ? sample_format : SAMPLEFORMAT_UINT;
  d.samples_per_pixel = FieldOr<uint16_t>(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  d.planar_config = FieldOr<uint16_t>(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  d.orientation = FieldOr<uint16_t>(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
  d.subfile_type = FieldOr<uint32_t>(tif, TIFFTAG_SUBFILETYPE, 0);
  d.resolution_unit = FieldOr<uint16_t>(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
  uint16_t photometric = 0;
  if (TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric)) {
    d.photometric = photometric;
  } else {
    d.photometric = d.samples_per_pixel >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  }
  uint16_t predictor = 0;
  if (TIFFGetField(tif, TIFFTAG_PREDICTOR, &predictor)) d.predictor = predictor;
  if (d.orientation < 1 || d.orientation > 8) d.orientation = ORIENTATION_TOPLEFT;
  float xres = 0, yres = 0;
  if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres)) d.x_resolution = xres;
  if (TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yres)) d.y_resolution = yres;
  const char* text = nullptr;
  if (TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &text) && text) d.description = text;
  for (const TextTag& t : kTextTags) {
    text = nullptr;
    if (TIFFGetField(tif, t.tag, &text) && text && *text) d.text_tags.emplace_back(t.name, text);
  }
  uint32_t count = 0;
  void* data = nullptr;
  if (d.compression == COMPRESSION_JPEG && TIFFGetField(tif, TIFFTAG_JPEGTABLES, &count, &data) &&
      data && count > 4) {
    const auto* p = static_cast<const uint8_t*>(data);
    d.jpeg_tables.assign(p, p + count);
  }
  count = 0;
  data = nullptr;
  d.has_icc = TIFFGetField(tif, TIFFTAG_ICCPROFILE, &count, &data) && data && count > 0;
  if (d.has_icc) {
    const auto* p = static_cast<const uint8_t*>(data);
    d.icc_profile.assign(p, p + count);
  }
  uint16_t nsub = 0;
  uint64_t* subs = nullptr;
  if (subifd_offsets && TIFFGetField(tif, TIFFTAG_SUBIFD, &nsub, &subs) && subs) {
    subifd_offsets->assign(subs, subs + nsub);
  }

  // Geometry checks.
  const int64_t bytes = (d.bits_per_sample + 7) / 8;
  if (d.width <= 0 || d.height <= 0) {
    d.unusable = "no image size";
  } else if (d.width > max_dimension || d.height > max_dimension) {
    d.unusable = "image size " + std::to_string(d.width) + "x" + std::to_string(d.height) +
                 " exceeds the limit of " + std::to_string(max_dimension) + " pixels per side";
  } else if (d.tile_width <= 0 || d.tile_height <= 0 ||
             (d.tiled && (d.tile_width > kMaxTileSide || d.tile_height > kMaxTileSide))) {
    d.unusable =
        "bad tile size " + std::to_string(d.tile_width) + "x" + std::to_string(d.tile_height);
  } else if (d.samples_per_pixel < 1 || d.bits_per_sample < 1 || d.bits_per_sample > 64) {
    d.unusable = "bad sample layout";
  } else if (d.tile_width * d.tile_height * d.samples_per_pixel * bytes > kMaxUnitBytes &&
             (d.tiled || d.compression != COMPRESSION_NONE)) {
    d.unusable = "tiles or strips too large to decode";
  }
  if (!d.unusable.empty()) return d;
  const size_t n = static_cast<size_t>(d.units_per_plane() * d.planes());
  const size_t stored = d.tiled ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
  uint64_t* offsets = nullptr;
  uint64_t* counts = nullptr;
  if (n != stored) {
    d.unusable = "inconsistent tile count";
  } else if (!TIFFGetField(tif, d.tiled ? TIFFTAG_TILEOFFSETS : TIFFTAG_STRIPOFFSETS, &offsets) ||
             !TIFFGetField(tif, d.tiled ? TIFFTAG_TILEBYTECOUNTS : TIFFTAG_STRIPBYTECOUNTS,
                           &counts) ||
             !offsets || !counts) {
    d.unusable = "no tile or strip offsets";
  } else {
    d.offsets = CopyArray(offsets, n);
    d.byte_counts = CopyArray(counts, n);
  }
  return d;
}

}  // namespace

StatusOr<TiffStructure> ScanTiff(TiffHandle& handle, const std::string& path,
                                 int64_t max_dimension) {
  TIFF* tif = handle.get();
  TiffStructure s;
  s.big_tiff = TIFFIsBigTIFF(tif);
  s.big_endian = TIFFIsBigEndian(tif);
  std::set<uint64_t> seen;
  std::vector<std::vector<uint64_t>> subifd_offsets;
  for (int index = 0; index < kMaxDirectories; ++index) {
    const uint64_t offset = TIFFCurrentDirOffset(tif);
    if (!seen.insert(offset).second) break;  // an IFD loop
    subifd_offsets.emplace_back();
    s.directories.push_back(
        ReadCurrentDirectory(tif, index, -1, offset, max_dimension, &subifd_offsets.back()));
    handle.TakeErrors();
    if (TIFFLastDirectory(tif) || !TIFFReadDirectory(tif)) break;
  }
  std::string errors = handle.TakeErrors();
  if (!errors.empty()) TS_LOG(kDebug) << path << ": stopped reading directories: " << errors;
  if (s.directories.empty() || !s.directories[0].unusable.empty()) {
    std::string why = s.directories.empty() ? "no image directory" : s.directories[0].unusable;
    if (why.find("exceeds the limit") != std::string::npos) {
      return ResourceExhaustedError(path + ": " + why);
    }
    return UnsupportedError(path + ": cannot use the first TIFF directory: " + why);
  }
  for (size_t i = 0; i < s.directories.size(); ++i) {
    int k = 0;
    for (uint64_t off : subifd_offsets[i]) {
      if (!seen.insert(off).second) continue;
      if (!TIFFSetSubDirectory(tif, off)) {
        TS_LOG(kDebug) << path << ": cannot read SubIFD at " << off << ": " << handle.TakeErrors();
        continue;
      }
      s.directories[i].subifds.push_back(
          ReadCurrentDirectory(tif, static_cast<int>(i), k++, off, max_dimension, nullptr));
      handle.TakeErrors();
    }
  }
  // libvips writes SampleFormat in the full-resolution IFD only: IFDs without the tag and with
  // IFD 0's sample size take IFD 0's.
  const TiffDirectory& base = s.directories[0];
  auto inherit = [&](TiffDirectory& d) {
    if (!d.has_sample_format && base.has_sample_format &&
        d.bits_per_sample == base.bits_per_sample) {
      d.sample_format = base.sample_format;
    }
  };
  for (size_t i = 1; i < s.directories.size(); ++i) inherit(s.directories[i]);
  for (TiffDirectory& d : s.directories) std::for_each(d.subifds.begin(), d.subifds.end(), inherit);
  // Leave the handle at the first directory, as a freshly opened one is.
  Status st = handle.SetDirectory(s.directories[0].offset);
  if (!st.ok()) return st;
  return s;
}

std::string CompressionName(uint16_t c) {
  static const std::pair<uint16_t, const char*> kNames[] = {
      {COMPRESSION_NONE, "none"},
      {COMPRESSION_CCITTRLE, "ccittrle"},
      {COMPRESSION_CCITTFAX3, "ccittfax3"},
      {COMPRESSION_CCITTFAX4, "ccittfax4"},
      {COMPRESSION_LZW, "lzw"},
      {COMPRESSION_OJPEG, "ojpeg"},
      {COMPRESSION_JPEG, "jpeg"},
      {COMPRESSION_ADOBE_DEFLATE, "adobe_deflate"},
      {COMPRESSION_DEFLATE, "deflate"},
      {COMPRESSION_PACKBITS, "packbits"},
      {COMPRESSION_LZMA, "lzma"},
      {COMPRESSION_ZSTD, "zstd"},
      {COMPRESSION_WEBP, "webp"},
      {COMPRESSION_LERC, "lerc"},
      {COMPRESSION_JBIG, "jbig"},
      {33003, "jp2k"},
      {33005, "jp2k"},
      {34712, "jp2k"}};
  for (const auto& [code, name] : kNames) {
    if (code == c) return name;
  }
  return "compression " + std::to_string(c);
}

std::string PhotometricName(uint16_t p) {
  static const char* const kNames[] = {"miniswhite", "minisblack", "rgb", "palette", "mask",
                                       "separated",  "ycbcr",      "",    "cielab"};
  if (p < std::size(kNames) && *kNames[p]) return kNames[p];
  return "photometric " + std::to_string(p);
}

// ---- layout ---------------------------------------------------------------------------------

LevelSize DisplayedSize(const TiffDirectory& d) {
  return OrientationSwapsAxes(d.orientation) ? LevelSize{d.height, d.width}
                                             : LevelSize{d.width, d.height};
}

std::optional<int> LevelFromSize(LevelSize size, LevelSize full, int tile_w, int tile_h,
                                 int levels) {
  std::vector<std::pair<int64_t, int64_t>> sizes = {{full.width, full.height}};
  for (int level = levels - 1; level >= 0; --level) {
    if (std::find(sizes.begin(), sizes.end(), std::make_pair(size.width, size.height)) !=
        sizes.end()) {
      return level;
    }
    std::vector<std::pair<int64_t, int64_t>> next;
    for (auto [w, h] : sizes) {
      // floor((w / 2 + tile_w - 1) / tile_w) * tile_w with w / 2 in real numbers.
      const int64_t wt = (w + 2 * tile_w - 2) / (2 * tile_w) * tile_w;
      const int64_t ht = (h + 2 * tile_h - 2) / (2 * tile_h) * tile_h;
      for (auto c : {std::make_pair(w / 2, h / 2), std::make_pair(w / 2, (h + 1) / 2),
                     std::make_pair((w + 1) / 2, h / 2), std::make_pair((w + 1) / 2, (h + 1) / 2),
                     std::make_pair(wt, ht)}) {
        if (std::find(next.begin(), next.end(), c) == next.end()) next.push_back(c);
      }
    }
    if (next.size() > 4096) return std::nullopt;
    sizes = std::move(next);
  }
  return std::nullopt;
}

TiffLayout BuildTiffLayout(const TiffStructure& structure,
                           const std::function<bool(const TiffDirectory&)>& same_samples,
                           const std::function<bool(const TiffDirectory&)>& readable) {
  const auto& dirs = structure.directories;
  const TiffDirectory& base = dirs[0];
  TiffLayout out;
  out.size = DisplayedSize(base);
  const bool swap = OrientationSwapsAxes(base.orientation);
  out.tile_width = static_cast<int>(!base.tiled ? kVirtualTileSize
                                    : swap      ? base.tile_height
                                                : base.tile_width);
  out.tile_height = static_cast<int>(!base.tiled ? kVirtualTileSize
                                     : swap      ? base.tile_width
                                                 : base.tile_height);
  out.levels = LevelCount(out.size.width, out.size.height, out.tile_width, out.tile_height);
  const int top = out.levels - 1;
  // `d` decodes to tiles like IFD 0's.
  auto same_tiles = [&](const TiffDirectory& d) {
    if (&d == &base) return true;
    return !d.is_mask() && d.unusable.empty() && d.orientation == base.orientation &&
           d.tiled == base.tiled &&
           (!d.tiled || (d.tile_width == base.tile_width && d.tile_height == base.tile_height)) &&
           same_samples(d);
  };
  auto is_full = [&](const TiffDirectory& d) {
    LevelSize s = DisplayedSize(d);
    return s.width == out.size.width && s.height == out.size.height;
  };
  // Places a reduced-resolution IFD on its level of the first frame (from `first`) missing it.
  auto place = [&](const TiffDirectory& d, size_t first) {
    std::optional<int> level =
        LevelFromSize(DisplayedSize(d), out.size, out.tile_width, out.tile_height, out.levels);
    int target = -1;
    for (size_t f = first; level && *level < top && f < out.frames.size() && target < 0; ++f) {
      if (!out.frames[f].levels[*level]) target = static_cast<int>(f);
    }
    if (target >= 0) out.frames[target].levels[*level] = &d;
    if (target == 0 || (target < 0 && out.frames.size() == 1)) ++out.stored_levels;
  };
  auto add_frame = [&](const TiffDirectory& d) {
    out.frames.push_back(TiffLayout::Frame{std::vector<const TiffDirectory*>(out.levels), {}});
    out.frames.back().levels[top] = &d;
    for (const TiffDirectory& sub : d.subifds) {
      if (same_tiles(sub) && !is_full(sub)) place(sub, out.frames.size() - 1);
    }
  };
  std::vector<bool> used(dirs.size(), false);

  out.ome = ParseOmeXml(base.description);
  for (size_t i = 0; out.ome && i < out.ome->planes.size(); ++i) {
    const size_t ifd = out.ome->planes[i].ifd;
    if (ifd >= dirs.size() || !is_full(dirs[ifd]) || !same_tiles(dirs[ifd])) out.ome.reset();
  }
  if (out.ome) {
    for (const OmePlane& p : out.ome->planes) {
      add_frame(dirs[p.ifd]);
      used[p.ifd] = true;
      for (const std::string& axis : out.ome->axes) {
        int v = axis == "C" ? p.c : axis == "Z" ? p.z : p.t;
        out.frames.back().indices.emplace_back("Index" + axis, v);
      }
    }
    out.channels = out.ome->channel_names;
  } else {
    for (size_t i = 0; i < dirs.size(); ++i) {
      const TiffDirectory& d = dirs[i];
      if (!same_tiles(d)) continue;
      const LevelSize s = DisplayedSize(d);
      if (is_full(d)) {
        add_frame(d);
        if (auto li = ParseLargeImageDescription(d.description)) {
          out.frames.back().indices = li->indices;
          if (i == 0) out.channels = li->channels;
        }
      } else if ((base.tiled || d.is_reduced()) && s.width <= out.size.width &&
                 s.height <= out.size.height) {
        place(d, 0);
      } else {
        continue;
      }
      used[i] = true;
    }
  }

  const bool aperio = base.description.starts_with("Aperio");
  for (size_t i = 1; i < dirs.size(); ++i) {
    const TiffDirectory& d = dirs[i];
    if (used[i] || d.tiled || d.is_mask() || !d.unusable.empty()) continue;
    const LevelSize s = DisplayedSize(d);
    if (s.width > kMaxAssociatedSide || s.height > kMaxAssociatedSide) continue;
    std::string name = aperio && d.description.find(" -> ") != std::string::npos
                           ? "thumbnail"
                           : AssociatedImageName(d.description, d.subfile_type);
    if (name.empty() || !readable(d) ||
        std::any_of(out.associated.begin(), out.associated.end(),
                    [&](const auto& a) { return a.first == name; })) {
      continue;
    }
    out.associated.emplace_back(name, &d);
  }
  return out;
}

// Marks the components of a 3-component frame with ids 0, 1, 2 as R, G, B (SOF and SOS).
void MarkRgbComponents(Bytes& jpeg) {
  size_t sof = 0, sos = 0;
  for (size_t i = 2; i + 4 <= jpeg.size();) {
    if (jpeg[i] != 0xFF) return;
    const uint8_t marker = jpeg[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    const size_t length = (size_t{jpeg[i + 2]} << 8) | jpeg[i + 3];
    if (length < 2 || i + 2 + length > jpeg.size()) return;
    if (marker == 0xC0 || marker == 0xC1 || marker == 0xC2) sof = i;
    if (marker == 0xDA) {
      sos = i;
      break;
    }
    i += 2 + length;
  }
  // SOF: FF Cx len(2) P(1) Y(2) X(2) Nf(1) then Nf x {id, sampling, table}.
  // SOS: FF DA len(2) Ns(1) then Ns x {id, tables}.
  if (!sof || !sos || sof + 19 > jpeg.size() || sos + 11 > jpeg.size()) return;
  if (jpeg[sof + 9] != 3 || jpeg[sos + 4] != 3) return;
  for (int c = 0; c < 3; ++c) {
    if (jpeg[sof + 10 + 3 * c] != c || jpeg[sos + 5 + 2 * c] != c) return;
  }
  for (int c = 0; c < 3; ++c) {
    jpeg[sof + 10 + 3 * c] = static_cast<uint8_t>("RGB"[c]);
    jpeg[sos + 5 + 2 * c] = static_cast<uint8_t>("RGB"[c]);
  }
}

}  // namespace tessera
