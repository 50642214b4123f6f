// JPEG through TurboJPEG (libjpeg-turbo's TurboJPEG 2.x API). Errors are read from the handle
// (tjGetErrorStr2), never from a process-global buffer.
#include <turbojpeg.h>

#include <memory>

#include "imaging/codec.h"

namespace tessera {
namespace {

struct TjDeleter {
  void operator()(void* h) const {
    if (h) tjDestroy(h);
  }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

// One compressor and one decompressor per thread: creating them costs more than a small tile.
// A handle that reported a fatal error is not trusted again (TurboJPEG 2.x can keep the failed
// state and its message): ResetX() replaces it.
TjHandle& CompressorSlot() {
  thread_local TjHandle h(tjInitCompress());
  return h;
}
TjHandle& DecompressorSlot() {
  thread_local TjHandle h(tjInitDecompress());
  return h;
}
tjhandle Compressor() {
  if (!CompressorSlot()) CompressorSlot().reset(tjInitCompress());
  return CompressorSlot().get();
}
tjhandle Decompressor() {
  if (!DecompressorSlot()) DecompressorSlot().reset(tjInitDecompress());
  return DecompressorSlot().get();
}
void ResetCompressor() { CompressorSlot().reset(tjInitCompress()); }
void ResetDecompressor() { DecompressorSlot().reset(tjInitDecompress()); }

std::string TjError(tjhandle h) { return h ? tjGetErrorStr2(h) : "cannot create a JPEG handle"; }

}  // namespace

StatusOr<Bytes> EncodeJpeg(const Image& input, int quality, int subsampling) {
  if (quality < 1 || quality > 100) {
    return InvalidArgumentError("jpegQuality must be between 1 and 100");
  }
  if (subsampling < 0 || subsampling > 2) {
    return InvalidArgumentError("jpegSubsampling must be 0, 1 or 2");
  }
  Image converted;
  const Image* img = &input;
  if (input.type() != PixelType::kU8 || input.bands() > 4) {
    converted = ToDisplayUint8(input);
    img = &converted;
  }
  int pixel_format;
  int samp;
  switch (img->bands()) {
    case 1:
      pixel_format = TJPF_GRAY;
      samp = TJSAMP_GRAY;
      break;
    case 2: {  // grey + alpha: JPEG has no alpha
      Image grey(img->width(), img->height(), 1, PixelType::kU8);
      for (int y = 0; y < img->height(); ++y) {
        const uint8_t* s = img->row(y);
        uint8_t* d = grey.row(y);
        for (int x = 0; x < img->width(); ++x) d[x] = s[2 * x];
      }
      converted = std::move(grey);
      img = &converted;
      pixel_format = TJPF_GRAY;
      samp = TJSAMP_GRAY;
      break;
    }
    case 3:
      pixel_format = TJPF_RGB;
      samp = subsampling == 0 ? TJSAMP_444 : subsampling == 1 ? TJSAMP_422 : TJSAMP_420;
      break;
    default:  // RGBA: the alpha byte is skipped by TurboJPEG
      pixel_format = TJPF_RGBX;
      samp = subsampling == 0 ? TJSAMP_444 : subsampling == 1 ? TJSAMP_422 : TJSAMP_420;
      break;
  }
  tjhandle h = Compressor();
  if (!h) return InternalError(TjError(nullptr));
  // Encode into a per-thread scratch buffer of the worst-case size (tjBufSize is ~6 bytes per
  // pixel), then return an exact-size copy: cached values must not carry that slack.
  thread_local Bytes scratch;
  unsigned long cap = tjBufSize(img->width(), img->height(), samp);
  if (scratch.size() < cap) scratch.resize(cap);
  unsigned char* buf = scratch.data();
  unsigned long size = cap;
  if (tjCompress2(h, img->data(), img->width(), static_cast<int>(img->row_bytes()), img->height(),
                  pixel_format, &buf, &size, samp, quality, TJFLAG_NOREALLOC) != 0) {
    Status error = InternalError("JPEG encode failed: " + TjError(h));
    ResetCompressor();
    return error;
  }
  if (scratch.size() > (8u << 20)) {  // do not keep a huge buffer after a huge image
    Bytes out(scratch.begin(), scratch.begin() + size);
    Bytes().swap(scratch);
    return out;
  }
  return Bytes(scratch.begin(), scratch.begin() + size);
}

StatusOr<Image> DecodeJpeg(const uint8_t* data, size_t size) {
  tjhandle h = Decompressor();
  if (!h) return InternalError(TjError(nullptr));
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(h, data, static_cast<unsigned long>(size), &width, &height, &subsamp,
                          &colorspace) != 0) {
    Status error = DataLossError("invalid JPEG data: " + TjError(h));
    ResetDecompressor();
    return error;
  }
  if (width <= 0 || height <= 0) return DataLossError("invalid JPEG dimensions");
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) {
    return UnsupportedError("CMYK JPEG data is not supported");
  }
  const bool grey = colorspace == TJCS_GRAY;
  Image out = Image::Uninitialized(width, height, grey ? 1 : 3, PixelType::kU8);
  if (tjDecompress2(h, data, static_cast<unsigned long>(size), out.data(), width,
                    static_cast<int>(out.row_bytes()), height, grey ? TJPF_GRAY : TJPF_RGB,
                    0) != 0) {
    // Warnings (e.g. premature end of data) still produce an image; errors do not.
    if (tjGetErrorCode(h) == TJERR_FATAL) {
      Status error = DataLossError("corrupt JPEG data: " + TjError(h));
      ResetDecompressor();
      return error;
    }
  }
  return out;
}

}  // namespace tessera
