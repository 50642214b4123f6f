// Image codecs: encode an Image to JPEG / PNG / WebP / TIFF bytes, decode such bytes back.
//
// Encoding follows large_image's output rules so existing clients see what they expect:
// 8-bit formats (JPEG, PNG, WebP) receive 8-bit data converted the way large_image converts
// numpy arrays for PIL (ToDisplayUint8); TIFF keeps the image's own sample type. JPEG has no
// alpha: RGBA drops alpha, grey+alpha drops alpha, >4 bands keep the first three.
//
// Thread-safety: all functions are safe to call concurrently (codec handles are per thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/image.h"
#include "core/status.h"

namespace tessera {

enum class Encoding : uint8_t { kJpeg, kPng, kWebp, kTiff };

// "JPEG", "PNG", "WEBP", "TIFF" (large_image's names).
std::string_view EncodingName(Encoding e);
std::string_view MimeType(Encoding e);
std::string_view FileExtension(Encoding e);  // "jpg", "png", "webp", "tiff"
// Case-insensitive; JFIF is JPEG. InvalidArgument names the accepted values.
StatusOr<Encoding> ParseEncoding(std::string_view name);

enum class TiffCompression : uint8_t { kNone, kLzw, kDeflate, kJpeg, kZstd, kPackbits };
// Accepts large_image's spellings: none, raw, lzw, tiff_lzw, deflate, tiff_adobe_deflate, jpeg,
// zstd, packbits.
StatusOr<TiffCompression> ParseTiffCompression(std::string_view name);
std::string_view TiffCompressionName(TiffCompression c);

struct EncodeOptions {
  Encoding encoding = Encoding::kJpeg;
  int jpeg_quality = 95;     // 1..100, large_image's default
  int jpeg_subsampling = 0;  // 0 = 4:4:4, 1 = 4:2:2, 2 = 4:2:0
  TiffCompression tiff_compression = TiffCompression::kNone;
  int webp_quality = 80;    // PIL's default for WEBP
  int png_compression = 2;  // zlib level; large_image uses 2 (fast)
  // PNG keeps 16-bit samples instead of converting them to 8 bits (a style's dtype uint16).
  bool keep_16bit = false;

  // A compact string naming every option that affects the bytes of `encoding`, for cache keys
  // ("JPEG:q95:s0", "PNG", ...). Options of other encodings are not part of it.
  std::string CacheKey() const;
};

StatusOr<Bytes> Encode(const Image& image, const EncodeOptions& options);

// Decodes JPEG, PNG, WebP or TIFF bytes (sniffed from the magic number).
StatusOr<Image> Decode(const uint8_t* data, size_t size);
inline StatusOr<Image> Decode(const Bytes& b) { return Decode(b.data(), b.size()); }

// Encoding of `data` by magic number, or InvalidArgument.
StatusOr<Encoding> SniffEncoding(const uint8_t* data, size_t size);

// Per-format entry points (codec.cc dispatches to these).
StatusOr<Bytes> EncodeJpeg(const Image& image, int quality, int subsampling);
StatusOr<Image> DecodeJpeg(const uint8_t* data, size_t size);
// `keep_16bit`: uint16 images are written as 16-bit PNG (else converted to 8 bits).
StatusOr<Bytes> EncodePng(const Image& image, int compression_level, bool keep_16bit = false);
StatusOr<Image> DecodePng(const uint8_t* data, size_t size);
StatusOr<Bytes> EncodeWebp(const Image& image, int quality);
StatusOr<Image> DecodeWebp(const uint8_t* data, size_t size);
StatusOr<Bytes> EncodeTiff(const Image& image, TiffCompression compression, int jpeg_quality);
StatusOr<Image> DecodeTiff(const uint8_t* data, size_t size);

// libtiff's tag values (TIFFTAG_SAMPLEFORMAT, TIFFTAG_COMPRESSION) for our types, shared by the
// TIFF encoder and the tiled TIFF writer (tiles/tiled_tiff_writer.h).
uint16_t TiffSampleFormatOf(PixelType type);
uint16_t TiffCompressionTag(TiffCompression c);

// large_image's conversion of non-uint8 data before an 8-bit encode (utilities._imageToPIL):
// uint16 / 256, uint32 / 2^24, int8 + 128, int16 (+2^15) / 256, int32 (+2^31) / 2^24, float
// clipped to [0, 255] (NaN -> 0). More than 4 bands keep the first three. uint8 is returned as
// a clone.
Image ToDisplayUint8(const Image& image);

}  // namespace tessera
