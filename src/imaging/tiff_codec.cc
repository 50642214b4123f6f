// PLACEHOLDER: replaced by the libtiff implementation.
#include "imaging/codec.h"
namespace tessera {
StatusOr<Bytes> EncodeTiff(const Image&, TiffCompression, int) {
  return UnsupportedError("TIFF not built yet");
}
StatusOr<Image> DecodeTiff(const uint8_t*, size_t) { return UnsupportedError("TIFF not built"); }
}  // namespace tessera
