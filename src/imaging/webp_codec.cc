// WebP through libwebp's advanced API (lossy encode; decode to RGB or RGBA). Errors come back
// per call (WebPPicture::error_code, VP8StatusCode); libwebp keeps no global error state.
//
// Thread-safety: every call has its own encoder / decoder state; nothing is shared.
#include <webp/decode.h>
#include <webp/encode.h>

#include <memory>
#include <string>

#include "imaging/codec.h"

namespace tessera {
namespace {

constexpr uint64_t kMaxDecodedBytes = uint64_t{1} << 30;

struct PictureFree {
  void operator()(WebPPicture* p) const { WebPPictureFree(p); }
};

// WebPPicture::writer: appends the encoded bytes to the Bytes in custom_ptr.
int AppendToBytes(const uint8_t* data, size_t size, const WebPPicture* picture) {
  auto* out = static_cast<Bytes*>(picture->custom_ptr);
  try {
    out->insert(out->end(), data, data + size);
  } catch (...) {
    return 0;
  }
  return 1;
}

std::string EncodeErrorText(WebPEncodingError e) {
  switch (e) {
    case VP8_ENC_ERROR_OUT_OF_MEMORY:
    case VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY:
      return "out of memory";
    case VP8_ENC_ERROR_BAD_DIMENSION:
      return "bad dimensions";
    case VP8_ENC_ERROR_PARTITION0_OVERFLOW:
    case VP8_ENC_ERROR_PARTITION_OVERFLOW:
      return "partition overflow";
    case VP8_ENC_ERROR_FILE_TOO_BIG:
      return "file too big";
    case VP8_ENC_ERROR_BAD_WRITE:
      return "write error";
    default:
      return "error " + std::to_string(static_cast<int>(e));
  }
}

Status DecodeStatus(VP8StatusCode code, const char* what) {
  switch (code) {
    case VP8_STATUS_OK:
      return Status::Ok();
    case VP8_STATUS_UNSUPPORTED_FEATURE:
      return UnsupportedError(std::string(what) + ": unsupported WebP feature");
    case VP8_STATUS_OUT_OF_MEMORY:
      return ResourceExhaustedError(std::string(what) + ": out of memory");
    case VP8_STATUS_NOT_ENOUGH_DATA:
      return DataLossError(std::string(what) + ": truncated WebP data");
    default:
      return DataLossError(std::string(what) + ": corrupt WebP data (status " +
                           std::to_string(static_cast<int>(code)) + ")");
  }
}

// Grey -> RGB and grey+alpha -> RGBA (WebP stores colour only).
Image ExpandGrey(const Image& grey) {
  const bool alpha = grey.bands() == 2;
  Image out(grey.width(), grey.height(), alpha ? 4 : 3, PixelType::kU8);
  for (int y = 0; y < grey.height(); ++y) {
    const uint8_t* s = grey.row(y);
    uint8_t* d = out.row(y);
    for (int x = 0; x < grey.width(); ++x) {
      if (alpha) {
        d[4 * x] = d[4 * x + 1] = d[4 * x + 2] = s[2 * x];
        d[4 * x + 3] = s[2 * x + 1];
      } else {
        d[3 * x] = d[3 * x + 1] = d[3 * x + 2] = s[x];
      }
    }
  }
  return out;
}

}  // namespace

StatusOr<Bytes> EncodeWebp(const Image& input, int quality) {
  if (quality < 0 || quality > 100) {
    return InvalidArgumentError("WebP quality must be between 0 and 100");
  }
  if (input.empty()) return InvalidArgumentError("cannot encode an empty image as WebP");
  if (input.width() > WEBP_MAX_DIMENSION || input.height() > WEBP_MAX_DIMENSION) {
    return InvalidArgumentError("WebP images are at most " + std::to_string(WEBP_MAX_DIMENSION) +
                                " pixels wide and high");
  }
  Image converted;
  const Image* img = &input;
  if (input.type() != PixelType::kU8 || input.bands() > 4) {
    converted = ToDisplayUint8(input);
    img = &converted;
  }
  if (img->bands() <= 2) {
    converted = ExpandGrey(*img);
    img = &converted;
  }

  WebPConfig config;
  if (!WebPConfigInit(&config)) return InternalError("libwebp version mismatch");
  config.quality = static_cast<float>(quality);
  WebPPicture picture;
  if (!WebPPictureInit(&picture)) return InternalError("libwebp version mismatch");
  std::unique_ptr<WebPPicture, PictureFree> picture_guard(&picture);
  picture.use_argb = 0;
  picture.width = img->width();
  picture.height = img->height();
  const int stride = static_cast<int>(img->row_bytes());
  const int imported = img->bands() == 4 ? WebPPictureImportRGBA(&picture, img->data(), stride)
                                         : WebPPictureImportRGB(&picture, img->data(), stride);
  if (!imported) return ResourceExhaustedError("WebP encode: out of memory");

  Bytes out;
  out.reserve(img->byte_size() / 8 + 1024);
  picture.writer = AppendToBytes;
  picture.custom_ptr = &out;
  if (!WebPEncode(&config, &picture)) {
    return InternalError("WebP encode failed: " + EncodeErrorText(picture.error_code));
  }
  return out;
}

StatusOr<Image> DecodeWebp(const uint8_t* data, size_t size) {
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config)) return InternalError("libwebp version mismatch");
  TS_RETURN_IF_ERROR(DecodeStatus(WebPGetFeatures(data, size, &config.input), "WebP header"));
  const WebPBitstreamFeatures& f = config.input;
  if (f.has_animation) return UnsupportedError("animated WebP images are not supported");
  if (f.width <= 0 || f.height <= 0) return DataLossError("invalid WebP dimensions");
  const int bands = f.has_alpha ? 4 : 3;
  if (uint64_t{static_cast<uint32_t>(f.width)} * static_cast<uint32_t>(f.height) * bands >
      kMaxDecodedBytes) {
    return ResourceExhaustedError("WebP image is too large to decode");
  }
  Image out(f.width, f.height, bands, PixelType::kU8);
  config.output.colorspace = f.has_alpha ? MODE_RGBA : MODE_RGB;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = out.data();
  config.output.u.RGBA.stride = static_cast<int>(out.row_bytes());
  config.output.u.RGBA.size = out.byte_size();
  const VP8StatusCode code = WebPDecode(data, size, &config);
  WebPFreeDecBuffer(&config.output);  // frees nothing we own (external memory)
  TS_RETURN_IF_ERROR(DecodeStatus(code, "WebP decode"));
  return out;
}

}  // namespace tessera
