// PLACEHOLDER: replaced by the libpng implementation.
#include "imaging/codec.h"
namespace tessera {
StatusOr<Bytes> EncodePng(const Image&, int) { return UnsupportedError("PNG not built yet"); }
StatusOr<Image> DecodePng(const uint8_t*, size_t) { return UnsupportedError("PNG not built yet"); }
}  // namespace tessera
