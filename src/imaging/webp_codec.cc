// PLACEHOLDER: replaced by the libwebp implementation.
#include "imaging/codec.h"
namespace tessera {
StatusOr<Bytes> EncodeWebp(const Image&, int) { return UnsupportedError("WebP not built yet"); }
StatusOr<Image> DecodeWebp(const uint8_t*, size_t) { return UnsupportedError("WebP not built"); }
}  // namespace tessera
