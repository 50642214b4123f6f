// TIFF through libtiff 4.5, over an in-memory buffer in both directions (TIFFClientOpenExt).
//
// Encode keeps the image's own sample type and band count (one image, contiguous samples,
// strips). Decode reads the first IFD, tiled or stripped, contiguous or planar, into an Image of
// its native sample type; photometrics other than grey / RGB / JPEG-YCbCr (palette, min-is-
// white, CMYK, bilevel, other YCbCr, ...) go through libtiff's RGBA reader and come back as
// 8-bit grey or RGB, with alpha when the file has extra samples. The Orientation tag is not
// applied (callers that honour it, such as the TIFF source, reorient).
//
// Errors and warnings are collected per handle through TIFFOpenOptionsSetErrorHandlerExtR /
// ...WarningHandlerExtR; libtiff's process-wide handlers are never called.
//
// Thread-safety: every call opens its own TIFF handle over its own buffer; nothing is shared.
#include <tiffio.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "imaging/codec.h"

namespace tessera {
namespace {

constexpr uint64_t kMaxDecodedBytes = uint64_t{1} << 30;
constexpr size_t kTargetStripBytes = 64 * 1024;

// ---- per-handle error collection

struct TiffErrors {
  char first[512];  // the first error: usually the specific one ("LZWDecode: ...")
};

int CollectError(TIFF*, void* user_data, const char* module, const char* fmt, va_list ap) {
  auto* errors = static_cast<TiffErrors*>(user_data);
  if (errors->first[0] == '\0') {
    int n = 0;
    if (module != nullptr) n = std::snprintf(errors->first, sizeof(errors->first), "%s: ", module);
    if (n >= 0 && static_cast<size_t>(n) < sizeof(errors->first)) {
      std::vsnprintf(errors->first + n, sizeof(errors->first) - n, fmt, ap);
    }
  }
  return 1;  // handled: do not call the process-wide handler
}

int IgnoreWarning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

std::string ErrorText(const TiffErrors& errors) {
  return errors.first[0] != '\0' ? errors.first : "unknown libtiff error";
}

// ---- in-memory client I/O

struct TiffMemory {
  const uint8_t* read_data = nullptr;  // decoding: the input
  uint64_t read_size = 0;
  Bytes* write_data = nullptr;  // encoding: the output, grown as libtiff writes
  uint64_t pos = 0;

  uint64_t size() const { return write_data != nullptr ? write_data->size() : read_size; }
  const uint8_t* data() const { return write_data != nullptr ? write_data->data() : read_data; }
};

tmsize_t MemRead(thandle_t handle, void* buf, tmsize_t n) {
  auto* m = static_cast<TiffMemory*>(handle);
  if (n < 0) return -1;
  const uint64_t size = m->size();
  if (m->pos >= size) return 0;
  const uint64_t count = std::min<uint64_t>(static_cast<uint64_t>(n), size - m->pos);
  std::memcpy(buf, m->data() + m->pos, count);
  m->pos += count;
  return static_cast<tmsize_t>(count);
}

tmsize_t MemWrite(thandle_t handle, void* buf, tmsize_t n) {
  auto* m = static_cast<TiffMemory*>(handle);
  if (m->write_data == nullptr || n < 0) return -1;
  const uint64_t end = m->pos + static_cast<uint64_t>(n);
  try {
    if (end > m->write_data->size()) m->write_data->resize(end);
  } catch (...) {
    return -1;
  }
  std::memcpy(m->write_data->data() + m->pos, buf, static_cast<size_t>(n));
  m->pos = end;
  return n;
}

toff_t MemSeek(thandle_t handle, toff_t offset, int whence) {
  auto* m = static_cast<TiffMemory*>(handle);
  uint64_t base = 0;
  if (whence == SEEK_CUR) base = m->pos;
  if (whence == SEEK_END) base = m->size();
  const uint64_t target = base + offset;  // libtiff passes negative offsets as two's complement
  if (target > (uint64_t{1} << 62)) return static_cast<toff_t>(-1);
  m->pos = target;
  return target;
}

int MemClose(thandle_t) { return 0; }
toff_t MemSize(thandle_t handle) { return static_cast<TiffMemory*>(handle)->size(); }
int MemMap(thandle_t, void**, toff_t*) { return 0; }
void MemUnmap(thandle_t, void*, toff_t) {}

struct TiffClose {
  void operator()(TIFF* tif) const { TIFFClose(tif); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffClose>;

struct OptionsFree {
  void operator()(TIFFOpenOptions* o) const { TIFFOpenOptionsFree(o); }
};

TiffPtr OpenMemory(TiffMemory* memory, const char* mode, TiffErrors* errors) {
  std::unique_ptr<TIFFOpenOptions, OptionsFree> options(TIFFOpenOptionsAlloc());
  if (!options) return nullptr;
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), CollectError, errors);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), IgnoreWarning, nullptr);
  TIFFOpenOptionsSetMaxSingleMemAlloc(options.get(), static_cast<tmsize_t>(kMaxDecodedBytes));
  return TiffPtr(TIFFClientOpenExt("memory", mode, memory, MemRead, MemWrite, MemSeek, MemClose,
                                   MemSize, MemMap, MemUnmap, options.get()));
}

// ---- encode

// Sets the tags of one contiguous, stripped image. Returns false when libtiff refuses one.
bool SetEncodeTags(TIFF* tif, const Image& image, TiffCompression compression, int jpeg_quality,
                   uint32_t rows_per_strip) {
  const int bands = image.bands();
  const bool floating = image.type() == PixelType::kF32 || image.type() == PixelType::kF64;
  const bool jpeg = compression == TiffCompression::kJpeg;
  const bool ycbcr = jpeg && bands == 3;
  uint16_t photometric = bands >= 3 && bands <= 4 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  if (ycbcr) photometric = PHOTOMETRIC_YCBCR;
  bool ok =
      TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(image.width())) &&
      TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(image.height())) &&
      TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, static_cast<uint16_t>(bands)) &&
      TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, static_cast<uint16_t>(8 * image.sample_bytes())) &&
      TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, TiffSampleFormatOf(image.type())) &&
      TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) &&
      TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, photometric) &&
      TIFFSetField(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT) &&
      TIFFSetField(tif, TIFFTAG_COMPRESSION, TiffCompressionTag(compression));
  // Extra samples: alpha for grey+alpha and RGBA, unspecified for the rest of >4 bands.
  const int base = photometric == PHOTOMETRIC_MINISBLACK ? 1 : 3;
  if (ok && bands > base) {
    std::vector<uint16_t> extra(bands - base, EXTRASAMPLE_UNSPECIFIED);
    if (bands == 2 || bands == 4) extra[0] = EXTRASAMPLE_UNASSALPHA;
    ok = TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, static_cast<uint16_t>(extra.size()), extra.data());
  }
  if (ok && (compression == TiffCompression::kLzw || compression == TiffCompression::kDeflate ||
             compression == TiffCompression::kZstd)) {
    ok = TIFFSetField(tif, TIFFTAG_PREDICTOR,
                      floating ? PREDICTOR_FLOATINGPOINT : PREDICTOR_HORIZONTAL);
  }
  if (ok && jpeg) {
    ok = TIFFSetField(tif, TIFFTAG_JPEGQUALITY, jpeg_quality);
    // YCbCr without chroma subsampling (4:4:4, large_image's JPEG default); libjpeg converts
    // the RGB we pass in.
    if (ok && ycbcr) {
      ok = TIFFSetField(tif, TIFFTAG_YCBCRSUBSAMPLING, uint16_t{1}, uint16_t{1}) &&
           TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    }
  }
  return ok && TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip);
}

// ---- decode

StatusOr<PixelType> NativeType(uint16_t bits, uint16_t format) {
  if (format == SAMPLEFORMAT_UINT || format == SAMPLEFORMAT_VOID) {
    if (bits == 8) return PixelType::kU8;
    if (bits == 16) return PixelType::kU16;
    if (bits == 32) return PixelType::kU32;
  } else if (format == SAMPLEFORMAT_INT) {
    if (bits == 8) return PixelType::kI8;
    if (bits == 16) return PixelType::kI16;
    if (bits == 32) return PixelType::kI32;
  } else if (format == SAMPLEFORMAT_IEEEFP) {
    if (bits == 32) return PixelType::kF32;
    if (bits == 64) return PixelType::kF64;
  }
  return UnsupportedError("TIFF samples of " + std::to_string(bits) + " bits, format " +
                          std::to_string(format) + " are not supported");
}

// Copies `width` pixels of one decoded chunk row into the image row at `dst` (already offset to
// the chunk's first column). Planar chunks hold one band (`plane`).
void CopyChunkRow(const uint8_t* src, uint8_t* dst, int width, bool planar, int plane,
                  size_t sample_bytes, size_t pixel_bytes) {
  if (!planar) {
    std::memcpy(dst, src, static_cast<size_t>(width) * pixel_bytes);
    return;
  }
  dst += static_cast<size_t>(plane) * sample_bytes;
  for (int x = 0; x < width; ++x) {
    std::memcpy(dst + x * pixel_bytes, src + x * sample_bytes, sample_bytes);
  }
}

Status ReadNative(TIFF* tif, Image& out, bool planar, const TiffErrors& errors) {
  const int width = out.width();
  const int height = out.height();
  const size_t sb = out.sample_bytes();
  const size_t pb = out.pixel_bytes();
  const int planes = planar ? out.bands() : 1;
  const size_t chunk_pixel_bytes = planar ? sb : pb;
  std::vector<uint8_t> buffer;
  if (TIFFIsTiled(tif)) {
    uint32_t tw = 0, th = 0;
    if (!TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw) || !TIFFGetField(tif, TIFFTAG_TILELENGTH, &th) ||
        tw == 0 || th == 0) {
      return DataLossError("TIFF tile size is missing");
    }
    const uint64_t tile_bytes = TIFFTileSize64(tif);
    const uint64_t row_stride = uint64_t{tw} * chunk_pixel_bytes;
    if (tile_bytes < row_stride * th || tile_bytes > kMaxDecodedBytes) {
      return DataLossError("inconsistent TIFF tile size");
    }
    buffer.resize(tile_bytes);
    for (int plane = 0; plane < planes; ++plane) {
      for (uint32_t ty = 0; ty < static_cast<uint32_t>(height); ty += th) {
        for (uint32_t tx = 0; tx < static_cast<uint32_t>(width); tx += tw) {
          const uint32_t tile = TIFFComputeTile(tif, tx, ty, 0, static_cast<uint16_t>(plane));
          const tmsize_t n =
              TIFFReadEncodedTile(tif, tile, buffer.data(), static_cast<tmsize_t>(buffer.size()));
          if (n < 0) return DataLossError("corrupt TIFF tile: " + ErrorText(errors));
          const int cols = static_cast<int>(std::min<uint32_t>(tw, width - tx));
          const int rows = static_cast<int>(std::min<uint32_t>(th, height - ty));
          for (int r = 0; r < rows; ++r) {
            CopyChunkRow(buffer.data() + r * row_stride,
                         out.row(static_cast<int>(ty) + r) + tx * pb, cols, planar, plane, sb, pb);
          }
        }
      }
    }
    return Status::Ok();
  }
  uint32_t rows_per_strip = 0;
  TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
  rows_per_strip = std::clamp<uint32_t>(rows_per_strip, 1, static_cast<uint32_t>(height));
  const uint64_t row_stride = static_cast<uint64_t>(width) * chunk_pixel_bytes;
  const uint64_t strip_bytes = TIFFStripSize64(tif);
  if (strip_bytes < row_stride * rows_per_strip || strip_bytes > kMaxDecodedBytes) {
    return DataLossError("inconsistent TIFF strip size");
  }
  buffer.resize(strip_bytes);
  for (int plane = 0; plane < planes; ++plane) {
    for (uint32_t y = 0; y < static_cast<uint32_t>(height); y += rows_per_strip) {
      const uint32_t strip = TIFFComputeStrip(tif, y, static_cast<uint16_t>(plane));
      const uint32_t rows = std::min<uint32_t>(rows_per_strip, height - y);
      const tmsize_t n =
          TIFFReadEncodedStrip(tif, strip, buffer.data(), static_cast<tmsize_t>(row_stride * rows));
      if (n < 0) return DataLossError("corrupt TIFF strip: " + ErrorText(errors));
      if (static_cast<uint64_t>(n) < row_stride * rows) {
        return DataLossError("truncated TIFF strip " + std::to_string(strip));
      }
      for (uint32_t r = 0; r < rows; ++r) {
        CopyChunkRow(buffer.data() + r * row_stride, out.row(static_cast<int>(y + r)), width,
                     planar, plane, sb, pb);
      }
    }
  }
  return Status::Ok();
}

// Any photometric libtiff's RGBA reader knows, as 8-bit grey or RGB (+ alpha).
StatusOr<Image> ReadViaRgba(TIFF* tif, uint32_t width, uint32_t height, uint16_t photometric,
                            const TiffErrors& errors) {
  char message[1024] = {};
  if (!TIFFRGBAImageOK(tif, message)) {
    return UnsupportedError(std::string("unsupported TIFF image: ") + message);
  }
  uint16_t extra_count = 0;
  uint16_t* extra_types = nullptr;
  TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &extra_count, &extra_types);
  uint16_t orientation = ORIENTATION_TOPLEFT;
  TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &orientation);
  const bool grey = photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE;
  const bool alpha = extra_count > 0;
  const int bands = (grey ? 1 : 3) + (alpha ? 1 : 0);

  std::vector<uint32_t> raster(static_cast<size_t>(width) * height);
  // Asking for the file's own orientation keeps the stored row order (like the native path).
  if (!TIFFReadRGBAImageOriented(tif, width, height, raster.data(), orientation, 1)) {
    return DataLossError("corrupt TIFF image data: " + ErrorText(errors));
  }
  Image out(static_cast<int>(width), static_cast<int>(height), bands, PixelType::kU8);
  for (uint32_t y = 0; y < height; ++y) {
    const uint32_t* s = raster.data() + static_cast<size_t>(y) * width;
    uint8_t* d = out.row(static_cast<int>(y));
    for (uint32_t x = 0; x < width; ++x) {
      const uint32_t p = s[x];
      uint8_t* px = d + static_cast<size_t>(x) * bands;
      if (grey) {
        px[0] = static_cast<uint8_t>(TIFFGetR(p));
      } else {
        px[0] = static_cast<uint8_t>(TIFFGetR(p));
        px[1] = static_cast<uint8_t>(TIFFGetG(p));
        px[2] = static_cast<uint8_t>(TIFFGetB(p));
      }
      if (alpha) px[bands - 1] = static_cast<uint8_t>(TIFFGetA(p));
    }
  }
  return out;
}

}  // namespace

StatusOr<Bytes> EncodeTiff(const Image& image, TiffCompression compression, int jpeg_quality) {
  if (image.empty()) return InvalidArgumentError("cannot encode an empty image as TIFF");
  const uint16_t tag = TiffCompressionTag(compression);
  if (compression == TiffCompression::kJpeg) {
    if (image.type() != PixelType::kU8) {
      return InvalidArgumentError("TIFF JPEG compression needs uint8 samples, not " +
                                  std::string(PixelTypeName(image.type())));
    }
    if (image.bands() > 4) {
      return InvalidArgumentError("TIFF JPEG compression takes at most 4 bands");
    }
    if (jpeg_quality < 1 || jpeg_quality > 100) {
      return InvalidArgumentError("jpegQuality must be between 1 and 100");
    }
  }
  if (!TIFFIsCODECConfigured(tag)) {
    return UnsupportedError("this libtiff cannot write " +
                            std::string(TiffCompressionName(compression)) + " compression");
  }

  const size_t row_bytes = image.row_bytes();
  uint32_t rows_per_strip =
      static_cast<uint32_t>(std::max<size_t>(1, kTargetStripBytes / row_bytes));
  if (compression == TiffCompression::kJpeg) rows_per_strip = (rows_per_strip + 15) / 16 * 16;
  rows_per_strip = std::min<uint32_t>(rows_per_strip, static_cast<uint32_t>(image.height()));

  Bytes out;
  out.reserve(compression == TiffCompression::kNone ? image.byte_size() + 4096
                                                    : image.byte_size() / 2 + 4096);
  TiffMemory memory;
  memory.write_data = &out;
  TiffErrors errors{};
  // Classic TIFF offsets are 32-bit; a (very) large image needs BigTIFF.
  const bool big = image.byte_size() > (uint64_t{1} << 32) - (uint64_t{1} << 26);
  TiffPtr tif = OpenMemory(&memory, big ? "w8" : "w", &errors);
  if (!tif) return InternalError("cannot start a TIFF: " + ErrorText(errors));
  if (!SetEncodeTags(tif.get(), image, compression, jpeg_quality, rows_per_strip)) {
    return InternalError("TIFF encode: " + ErrorText(errors));
  }
  const uint32_t strips =
      (static_cast<uint32_t>(image.height()) + rows_per_strip - 1) / rows_per_strip;
  // libtiff's predictors difference the strip in place: they get a copy, never our pixels.
  std::vector<uint8_t> strip(row_bytes * rows_per_strip);
  for (uint32_t s = 0; s < strips; ++s) {
    const uint32_t y = s * rows_per_strip;
    const uint32_t rows = std::min<uint32_t>(rows_per_strip, image.height() - y);
    const size_t n = row_bytes * rows;
    std::memcpy(strip.data(), image.row(static_cast<int>(y)), n);
    if (TIFFWriteEncodedStrip(tif.get(), s, strip.data(), static_cast<tmsize_t>(n)) < 0) {
      return InternalError("TIFF encode failed: " + ErrorText(errors));
    }
  }
  if (!TIFFWriteDirectory(tif.get())) {
    return InternalError("TIFF encode failed: " + ErrorText(errors));
  }
  tif.reset();  // TIFFClose: flushes into `out`
  if (errors.first[0] != '\0') return InternalError("TIFF encode failed: " + ErrorText(errors));
  return out;
}

StatusOr<Image> DecodeTiff(const uint8_t* data, size_t size) {
  TiffMemory memory;
  memory.read_data = data;
  memory.read_size = size;
  TiffErrors errors{};
  // "m": no memory mapping (we serve reads from the buffer ourselves).
  TiffPtr tif = OpenMemory(&memory, "rm", &errors);
  if (!tif) return DataLossError("invalid TIFF data: " + ErrorText(errors));
  TIFF* t = tif.get();

  uint32_t width = 0, height = 0;
  if (!TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &width) ||
      !TIFFGetField(t, TIFFTAG_IMAGELENGTH, &height) || width == 0 || height == 0 ||
      width > static_cast<uint32_t>(std::numeric_limits<int>::max()) ||
      height > static_cast<uint32_t>(std::numeric_limits<int>::max())) {
    return DataLossError("TIFF image has no valid size");
  }
  uint16_t spp = 1, bits = 1, format = SAMPLEFORMAT_UINT, planar_config = PLANARCONFIG_CONTIG;
  uint16_t compression = COMPRESSION_NONE;
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetFieldDefaulted(t, TIFFTAG_PLANARCONFIG, &planar_config);
  TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &compression);
  uint16_t photometric = 0;
  if (!TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photometric)) {
    photometric = spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  }
  if (spp == 0) return DataLossError("TIFF image has no samples");
  if (!TIFFIsCODECConfigured(compression)) {
    return UnsupportedError("TIFF compression " + std::to_string(compression) +
                            " is not supported");
  }

  bool native =
      photometric == PHOTOMETRIC_MINISBLACK || (photometric == PHOTOMETRIC_RGB && spp >= 3);
  if (photometric == PHOTOMETRIC_YCBCR && compression == COMPRESSION_JPEG && spp == 3 &&
      planar_config == PLANARCONFIG_CONTIG) {
    // libjpeg converts to RGB (and upsamples chroma) for us.
    native = TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB) != 0;
  }
  StatusOr<PixelType> type = NativeType(bits, format);
  if (native && type.ok()) {
    const uint64_t bytes = uint64_t{width} * height * spp * BytesPerSample(*type);
    if (bytes > kMaxDecodedBytes) {
      return ResourceExhaustedError("TIFF image of " + std::to_string(width) + "x" +
                                    std::to_string(height) + " is too large to decode");
    }
    Image out(static_cast<int>(width), static_cast<int>(height), spp, *type);
    const bool planar = planar_config == PLANARCONFIG_SEPARATE && spp > 1;
    TS_RETURN_IF_ERROR(ReadNative(t, out, planar, errors));
    return out;
  }
  if (native && bits >= 8) return type.status();  // e.g. float16: no RGBA conversion either
  if (uint64_t{width} * height * 4 > kMaxDecodedBytes) {
    return ResourceExhaustedError("TIFF image is too large to decode");
  }
  return ReadViaRgba(t, width, height, photometric, errors);
}

uint16_t TiffSampleFormatOf(PixelType t) {
  switch (t) {
    case PixelType::kI8:
    case PixelType::kI16:
    case PixelType::kI32:
      return SAMPLEFORMAT_INT;
    case PixelType::kF32:
    case PixelType::kF64:
      return SAMPLEFORMAT_IEEEFP;
    default:
      return SAMPLEFORMAT_UINT;
  }
}

uint16_t TiffCompressionTag(TiffCompression c) {
  switch (c) {
    case TiffCompression::kNone:
      return COMPRESSION_NONE;
    case TiffCompression::kLzw:
      return COMPRESSION_LZW;
    case TiffCompression::kDeflate:
      return COMPRESSION_ADOBE_DEFLATE;
    case TiffCompression::kJpeg:
      return COMPRESSION_JPEG;
    case TiffCompression::kZstd:
      return COMPRESSION_ZSTD;
    case TiffCompression::kPackbits:
      return COMPRESSION_PACKBITS;
  }
  return COMPRESSION_NONE;
}

}  // namespace tessera
