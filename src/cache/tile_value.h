// TileValue: what the tile cache holds — either an encoded image (stored bytes passed through,
// or a final encoded tile) or decoded pixels (a synthesized or decoded unstyled tile).
//
// Values are immutable once built and shared as shared_ptr<const TileValue>, so a cache hit is
// served without copying: the HTTP layer writes `bytes` straight to the socket.
// Thread-safety: immutable; safe to read from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>

#include "core/bytes.h"
#include "core/image.h"
#include "imaging/codec.h"

namespace tessera {

struct TileValue {
  // Set when `bytes` is a complete image file in this encoding; unset when `pixels` holds the
  // value.
  std::optional<Encoding> encoding;
  Bytes bytes;
  Image pixels;
  // Unstyled tiles of a source with an embedded ICC profile: the colours are the profile's, not
  // sRGB, so the stored bytes pass through only when the style turns ICC correction off.
  bool needs_icc = false;

  bool is_encoded() const { return encoding.has_value(); }
  // Bytes charged against the cache's budget.
  size_t ByteSize() const { return sizeof(TileValue) + bytes.capacity() + pixels.byte_size(); }
};

using TileValuePtr = std::shared_ptr<const TileValue>;

inline TileValuePtr MakeEncodedValue(Encoding encoding, Bytes bytes, bool needs_icc = false) {
  // The cache charges capacity: drop an encoder's slack before the value is shared.
  if (bytes.capacity() > bytes.size() + bytes.size() / 16 + 64) bytes.shrink_to_fit();
  auto v = std::make_shared<TileValue>();
  v->encoding = encoding;
  v->bytes = std::move(bytes);
  v->needs_icc = needs_icc;
  return v;
}

inline TileValuePtr MakePixelValue(Image pixels, bool needs_icc = false) {
  auto v = std::make_shared<TileValue>();
  v->pixels = std::move(pixels);
  v->needs_icc = needs_icc;
  return v;
}

// A view of an encoded value's bytes that keeps the value alive (aliasing shared_ptr).
inline BytesPtr BytesOf(const TileValuePtr& v) { return BytesPtr(v, &v->bytes); }

}  // namespace tessera
