#include "imaging/codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/strings.h"

namespace tessera {

std::string_view EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kJpeg:
      return "JPEG";
    case Encoding::kPng:
      return "PNG";
    case Encoding::kWebp:
      return "WEBP";
    case Encoding::kTiff:
      return "TIFF";
  }
  return "JPEG";
}

std::string_view MimeType(Encoding e) {
  switch (e) {
    case Encoding::kJpeg:
      return "image/jpeg";
    case Encoding::kPng:
      return "image/png";
    case Encoding::kWebp:
      return "image/webp";
    case Encoding::kTiff:
      return "image/tiff";
  }
  return "application/octet-stream";
}

std::string_view FileExtension(Encoding e) {
  switch (e) {
    case Encoding::kJpeg:
      return "jpg";
    case Encoding::kPng:
      return "png";
    case Encoding::kWebp:
      return "webp";
    case Encoding::kTiff:
      return "tiff";
  }
  return "bin";
}

StatusOr<Encoding> ParseEncoding(std::string_view name) {
  std::string n = ToLower(Trim(name));
  if (n == "jpeg" || n == "jpg" || n == "jfif") return Encoding::kJpeg;
  if (n == "png") return Encoding::kPng;
  if (n == "webp") return Encoding::kWebp;
  if (n == "tiff" || n == "tif") return Encoding::kTiff;
  return InvalidArgumentError("Invalid encoding '" + std::string(name) +
                              "': use JPEG, PNG, WEBP or TIFF");
}

StatusOr<TiffCompression> ParseTiffCompression(std::string_view name) {
  std::string n = ToLower(Trim(name));
  if (n == "none" || n == "raw") return TiffCompression::kNone;
  if (n == "lzw" || n == "tiff_lzw") return TiffCompression::kLzw;
  if (n == "deflate" || n == "tiff_adobe_deflate" || n == "zip") return TiffCompression::kDeflate;
  if (n == "jpeg") return TiffCompression::kJpeg;
  if (n == "zstd") return TiffCompression::kZstd;
  if (n == "packbits") return TiffCompression::kPackbits;
  return InvalidArgumentError("Invalid tiffCompression '" + std::string(name) +
                              "': use none, lzw, deflate, jpeg, zstd or packbits");
}

std::string_view TiffCompressionName(TiffCompression c) {
  switch (c) {
    case TiffCompression::kNone:
      return "none";
    case TiffCompression::kLzw:
      return "lzw";
    case TiffCompression::kDeflate:
      return "deflate";
    case TiffCompression::kJpeg:
      return "jpeg";
    case TiffCompression::kZstd:
      return "zstd";
    case TiffCompression::kPackbits:
      return "packbits";
  }
  return "none";
}

std::string EncodeOptions::CacheKey() const {
  switch (encoding) {
    case Encoding::kJpeg:
      return "JPEG:q" + std::to_string(jpeg_quality) + ":s" + std::to_string(jpeg_subsampling);
    case Encoding::kPng:
      return "PNG:c" + std::to_string(png_compression) + (keep_16bit ? ":16" : "");
    case Encoding::kWebp:
      return "WEBP:q" + std::to_string(webp_quality);
    case Encoding::kTiff: {
      std::string k = "TIFF:";
      k += TiffCompressionName(tiff_compression);
      if (tiff_compression == TiffCompression::kJpeg) k += ":q" + std::to_string(jpeg_quality);
      return k;
    }
  }
  return "?";
}

StatusOr<Bytes> Encode(const Image& image, const EncodeOptions& options) {
  if (image.empty()) return Bytes();  // large_image returns b'' for a zero-size image
  switch (options.encoding) {
    case Encoding::kJpeg:
      return EncodeJpeg(image, options.jpeg_quality, options.jpeg_subsampling);
    case Encoding::kPng:
      return EncodePng(image, options.png_compression, options.keep_16bit);
    case Encoding::kWebp:
      return EncodeWebp(image, options.webp_quality);
    case Encoding::kTiff:
      return EncodeTiff(image, options.tiff_compression, options.jpeg_quality);
  }
  return InternalError("unknown encoding");
}

StatusOr<Encoding> SniffEncoding(const uint8_t* d, size_t n) {
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return Encoding::kJpeg;
  if (n >= 8 && std::memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) return Encoding::kPng;
  if (n >= 12 && std::memcmp(d, "RIFF", 4) == 0 && std::memcmp(d + 8, "WEBP", 4) == 0) {
    return Encoding::kWebp;
  }
  if (n >= 4 && (std::memcmp(d, "II*\0", 4) == 0 || std::memcmp(d, "MM\0*", 4) == 0 ||
                 std::memcmp(d, "II+\0", 4) == 0 || std::memcmp(d, "MM\0+", 4) == 0)) {
    return Encoding::kTiff;
  }
  return InvalidArgumentError("not a JPEG, PNG, WebP or TIFF image");
}

StatusOr<Image> Decode(const uint8_t* data, size_t size) {
  TS_ASSIGN_OR_RETURN(Encoding e, SniffEncoding(data, size));
  switch (e) {
    case Encoding::kJpeg:
      return DecodeJpeg(data, size);
    case Encoding::kPng:
      return DecodePng(data, size);
    case Encoding::kWebp:
      return DecodeWebp(data, size);
    case Encoding::kTiff:
      return DecodeTiff(data, size);
  }
  return InternalError("unknown encoding");
}

namespace {

template <typename T>
uint8_t ToU8(T v) {
  if constexpr (std::is_same_v<T, uint8_t>) {
    return v;
  } else if constexpr (std::is_same_v<T, uint16_t>) {
    return static_cast<uint8_t>(v >> 8);
  } else if constexpr (std::is_same_v<T, uint32_t>) {
    return static_cast<uint8_t>(v >> 24);
  } else if constexpr (std::is_same_v<T, int8_t>) {
    return static_cast<uint8_t>(static_cast<int>(v) + 128);
  } else if constexpr (std::is_same_v<T, int16_t>) {
    return static_cast<uint8_t>((static_cast<int32_t>(v) + 32768) >> 8);
  } else if constexpr (std::is_same_v<T, int32_t>) {
    return static_cast<uint8_t>((static_cast<int64_t>(v) + 2147483648LL) >> 24);
  } else {
    double d = static_cast<double>(v);
    if (std::isnan(d)) return 0;
    return static_cast<uint8_t>(std::clamp(d, 0.0, 255.0));
  }
}

}  // namespace

Image ToDisplayUint8(const Image& image) {
  const int bands = image.bands() > 4 ? 3 : image.bands();
  if (image.type() == PixelType::kU8 && bands == image.bands()) return image.Clone();
  Image out(image.width(), image.height(), bands, PixelType::kU8);
  DispatchPixelType(image.type(), [&](auto zero) {
    using T = decltype(zero);
    for (int y = 0; y < image.height(); ++y) {
      const T* src = image.row_as<T>(y);
      uint8_t* dst = out.row(y);
      for (int x = 0; x < image.width(); ++x) {
        for (int b = 0; b < bands; ++b) dst[x * bands + b] = ToU8(src[x * image.bands() + b]);
      }
    }
  });
  return out;
}

}  // namespace tessera
