#include "source/vips_source.h"

#include "imaging/orientation.h"
#include "imaging/vips_glue.h"

#include <vips/vips.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace tessera {
namespace {

// ---- libvips plumbing (imaging/vips_glue.h) --------------------------------------------------

using ImagePtr = VipsImagePtr;
using RegionPtr = std::unique_ptr<VipsRegion, GObjectUnref>;

struct LoaderInfo {
  std::string nickname;  // "pngload_source", "tiffload_buffer", ...
  bool trusted = false;  // libvips does not mark it untrusted (unfuzzed, not for hostile input)
};

// `name` is what vips_foreign_find_load_* return (a class name or a nickname).
LoaderInfo DescribeLoader(const char* name) {
  LoaderInfo info;
  info.nickname = name;
  GType type = vips_type_find("VipsOperation", name);
  if (type == 0) return info;
  gpointer klass = g_type_class_ref(type);
  if (const char* nick = VIPS_OBJECT_CLASS(klass)->nickname) info.nickname = nick;
  info.trusted = (VIPS_OPERATION_CLASS(klass)->flags & VIPS_OPERATION_UNTRUSTED) == 0;
  g_type_class_unref(klass);
  return info;
}

// A libvips custom source reading through a RandomAccessFile. The read position is private to
// this object; errors from the file are kept here (per handle) rather than in libvips' buffer.
class FileSource {
 public:
  explicit FileSource(const RandomAccessFile* file)
      : file_(file), source_(vips_source_custom_new()) {
    g_signal_connect(source_.get(), "read", G_CALLBACK(&FileSource::OnRead), this);
    g_signal_connect(source_.get(), "seek", G_CALLBACK(&FileSource::OnSeek), this);
  }
  // libvips may keep the source object alive (e.g. in its operation cache): the handlers are
  // disconnected so that nothing can call back into a destroyed FileSource.
  ~FileSource() { g_signal_handlers_disconnect_by_data(source_.get(), this); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  ::VipsSource* get() const { return VIPS_SOURCE(source_.get()); }
  const Status& error() const { return error_; }

 private:
  static gint64 OnRead(VipsSourceCustom*, void* buffer, gint64 length, gpointer user) {
    auto* self = static_cast<FileSource*>(user);
    if (length <= 0) return 0;
    auto n = self->file_->ReadSomeAt(static_cast<uint64_t>(self->position_),
                                     static_cast<size_t>(length), buffer);
    if (!n.ok()) {
      if (self->error_.ok()) self->error_ = n.status();
      return -1;
    }
    self->position_ += static_cast<int64_t>(*n);
    return static_cast<gint64>(*n);
  }

  static gint64 OnSeek(VipsSourceCustom*, gint64 offset, int whence, gpointer user) {
    auto* self = static_cast<FileSource*>(user);
    int64_t base = 0;
    switch (whence) {
      case SEEK_SET:
        base = 0;
        break;
      case SEEK_CUR:
        base = self->position_;
        break;
      case SEEK_END:
        base = static_cast<int64_t>(self->file_->Size());
        break;
      default:
        return -1;
    }
    int64_t target = base + offset;
    if (target < 0) return -1;
    self->position_ = target;
    return target;
  }

  const RandomAccessFile* file_;
  std::unique_ptr<VipsSourceCustom, GObjectUnref> source_;
  int64_t position_ = 0;
  Status error_;
};

// Replaces *image with op's output, or returns the libvips error.
template <typename Op>
Status Apply(ImagePtr* image, const std::string& what, Op op) {
  VipsImage* out = nullptr;
  if (op(image->get(), &out) != 0) return UnsupportedError(what + ": " + TakeVipsError());
  image->reset(out);
  return Status::Ok();
}

// ---- orientation (TIFF Orientation tag values 1..8) ----------------------------------------

// ---- the source ----------------------------------------------------------------------------

class FlatImageSource final : public TileSource {
 public:
  FlatImageSource(Image image, SourceMetadata meta, std::optional<Bytes> icc)
      : image_(std::move(image)), meta_(std::move(meta)), icc_(std::move(icc)) {}

  std::string_view format_name() const override { return "vips"; }
  const SourceMetadata& metadata() const override { return meta_; }

  bool HasLevel(int frame, int level) const override {
    return frame == 0 && level == meta_.levels - 1;
  }

  StatusOr<Image> ReadTile(int frame, int level, int64_t x, int64_t y) const override {
    if (!HasLevel(frame, level)) {
      return OutOfRangeError("flat image stores only frame 0, level " +
                             std::to_string(meta_.levels - 1) + "; asked for frame " +
                             std::to_string(frame) + ", level " + std::to_string(level));
    }
    const int64_t tw = meta_.tile_width;
    const int64_t th = meta_.tile_height;
    if (x < 0 || y < 0 || x * tw >= image_.width() || y * th >= image_.height()) {
      return OutOfRangeError("tile (" + std::to_string(x) + ", " + std::to_string(y) +
                             ") is outside the image");
    }
    return image_.Crop(Rect{x * tw, y * th, tw, th});
  }

  std::optional<Bytes> IccProfile(int frame) const override {
    return frame == 0 ? icc_ : std::nullopt;
  }

  size_t MemoryEstimate() const override {
    return image_.byte_size() + (icc_ ? icc_->size() : 0) + sizeof(*this);
  }
  int OpenFileCount() const override { return 0; }  // the file is closed after decoding

 private:
  const Image image_;
  const SourceMetadata meta_;
  const std::optional<Bytes> icc_;
};

// The embedded ICC profile ("icc-profile-data": PNG iCCP, JPEG APP2, WebP ICCP, ...).
std::optional<Bytes> EmbeddedProfile(VipsImage* image) {
  if (vips_image_get_typeof(image, VIPS_META_ICC_NAME) == 0) return std::nullopt;
  const void* data = nullptr;
  size_t size = 0;
  if (vips_image_get_blob(image, VIPS_META_ICC_NAME, &data, &size) != 0) {
    TakeVipsError();
    return std::nullopt;
  }
  if (!data || size == 0) return std::nullopt;
  const auto* p = static_cast<const uint8_t*>(data);
  return Bytes(p, p + size);
}

// Copies a (possibly sequential) libvips image into an Image, top to bottom in strips, without
// an intermediate full-size buffer.
Status CopyPixels(VipsImage* in, Image* out) {
  RegionPtr region(vips_region_new(in));
  if (!region) return InternalError("vips_region_new: " + TakeVipsError());
  constexpr int kStrip = 64;
  const size_t row_bytes = out->row_bytes();
  for (int top = 0; top < out->height(); top += kStrip) {
    VipsRect rect{0, top, out->width(), std::min(kStrip, out->height() - top)};
    if (vips_region_prepare(region.get(), &rect) != 0) {
      return DataLossError(TakeVipsError());
    }
    for (int y = top; y < top + rect.height; ++y) {
      std::memcpy(out->row(y), VIPS_REGION_ADDR(region.get(), 0, y), row_bytes);
    }
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<TileSource>> OpenVips(const std::string& path,
                                               const OpenOptions& options) {
  TS_RETURN_IF_ERROR(InitVips());
  TS_ASSIGN_OR_RETURN(auto file, options.fs->Open(path));
  FileSource source(file.get());

  const char* found = vips_foreign_find_load_source(source.get());
  if (!found) {
    std::string reason = TakeVipsError();
    if (!source.error().ok()) return source.error();
    return UnsupportedError(path + ": not an image libvips reads (" + reason + ")");
  }
  const LoaderInfo info = DescribeLoader(found);
  const std::string& loader = info.nickname;
  if (!info.trusted) {
    return UnsupportedError(path + ": libvips would read it with " + loader +
                            ", a loader it marks untrusted");
  }

  ImagePtr image(vips_image_new_from_source(source.get(), "", "access", VIPS_ACCESS_SEQUENTIAL,
                                            "fail_on", VIPS_FAIL_ON_ERROR, nullptr));
  if (!image) {
    std::string reason = TakeVipsError();
    if (!source.error().ok()) return source.error();
    return DataLossError(path + ": " + loader + " cannot read the header: " + reason);
  }

  const int64_t width = vips_image_get_width(image.get());
  const int64_t height = vips_image_get_height(image.get());
  if (width <= 0 || height <= 0) return DataLossError(path + ": image has no pixels");
  if (width > options.max_dimension || height > options.max_dimension ||
      width * height > kMaxFlatImagePixels) {
    return UnsupportedError(
        path + ": " + std::to_string(width) + "x" + std::to_string(height) +
        " is too large for an untiled image (limit " + std::to_string(kMaxFlatImagePixels) +
        " pixels); convert it to a tiled pyramid (e.g. a pyramidal tiled TIFF)");
  }

  // Coded images (LABQ, Radiance) are decoded; CMYK becomes sRGB as PIL shows it (converted
  // with the embedded profile, which then no longer describes the pixels).
  std::optional<Bytes> icc = EmbeddedProfile(image.get());
  if (vips_image_get_coding(image.get()) != VIPS_CODING_NONE) {
    TS_RETURN_IF_ERROR(Apply(&image, path + ": decode", [](VipsImage* in, VipsImage** out) {
      return vips_image_decode(in, out);
    }));
  }
  if (vips_image_get_interpretation(image.get()) == VIPS_INTERPRETATION_CMYK) {
    icc.reset();
    TS_RETURN_IF_ERROR(Apply(&image, path + ": CMYK to sRGB", [](VipsImage* in, VipsImage** out) {
      return vips_colourspace(in, out, VIPS_INTERPRETATION_sRGB, nullptr);
    }));
  }

  auto type = PixelTypeOfVips(vips_image_get_format(image.get()));
  if (!type.ok()) return type.status().WithContext(path);
  const int bands = vips_image_get_bands(image.get());
  const uint64_t decoded_bytes =
      static_cast<uint64_t>(width) * height * bands * BytesPerSample(*type);
  if (bands < 1 || decoded_bytes > kMaxFlatImageBytes) {
    return UnsupportedError(path + ": " + std::to_string(bands) + " bands of " +
                            std::string(PixelTypeName(*type)) +
                            " is too much to decode into memory; convert it to a tiled pyramid");
  }

  int orientation = 1;
  if (loader.rfind("tiffload", 0) == 0 &&
      vips_image_get_typeof(image.get(), VIPS_META_ORIENTATION) != 0) {
    if (vips_image_get_int(image.get(), VIPS_META_ORIENTATION, &orientation) != 0) {
      TakeVipsError();
      orientation = 1;
    }
  }

  Image pixels(static_cast<int>(width), static_cast<int>(height), bands, *type);
  Status copied = CopyPixels(image.get(), &pixels);
  if (!source.error().ok()) return source.error();
  if (!copied.ok()) return DataLossError(path + ": " + loader + ": " + copied.message());
  image.reset();

  if (orientation >= 2 && orientation <= 8) pixels = OrientImage(orientation, pixels);

  SourceMetadata meta;
  meta.size_x = pixels.width();
  meta.size_y = pixels.height();
  meta.tile_width = kFlatTileSize;
  meta.tile_height = kFlatTileSize;
  meta.levels = LevelCount(meta.size_x, meta.size_y, kFlatTileSize, kFlatTileSize);
  meta.dtype = pixels.type();
  meta.band_count = pixels.bands();
  meta.properties.emplace_back("vips.loader", loader);
  if (orientation != 1)
    meta.properties.emplace_back("vips.orientation", std::to_string(orientation));
  meta.properties.emplace_back("tessera.storedLevels", std::to_string(meta.levels - 1));
  if (icc) meta.properties.emplace_back("tessera.iccProfile", "true");
  return std::unique_ptr<TileSource>(
      std::make_unique<FlatImageSource>(std::move(pixels), std::move(meta), std::move(icc)));
}

bool IsTiffMagic(std::string_view h) {
  return h.size() >= 4 && (h.substr(0, 4) == std::string_view("II*\0", 4) ||
                           h.substr(0, 4) == std::string_view("MM\0*", 4) ||
                           h.substr(0, 4) == std::string_view("II+\0", 4) ||
                           h.substr(0, 4) == std::string_view("MM\0+", 4));
}

int ProbeVips(const std::string&, std::string_view header) {
  // TIFFs belong to the libtiff reader (and OpenSlide): libvips reads them through the same
  // libtiff, so it could not read what they refuse, and its probe would parse the header with
  // libtiff's process-wide handlers (noisy warnings on every import).
  if (header.empty() || IsTiffMagic(header) || !InitVips().ok()) return 0;
  const char* loader = vips_foreign_find_load_buffer(header.data(), header.size());
  if (!loader) {
    TakeVipsError();
    return 0;
  }
  return DescribeLoader(loader).trusted ? 1 : 0;
}

}  // namespace

FormatEntry VipsFormat() {
  FormatEntry e;
  e.name = "vips";
  e.probe = ProbeVips;
  e.open = OpenVips;
  return e;
}

}  // namespace tessera
