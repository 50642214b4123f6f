#include "cache/tile_value_codec.h"

#include <sodium.h>

#include <cstring>

namespace tessera {
namespace {

void PutLe(uint8_t* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t GetLe(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

constexpr uint8_t kKindEncoded = 0;
constexpr uint8_t kKindPixels = 1;
constexpr uint8_t kFlagNeedsIcc = 1;

}  // namespace

Bytes EncodeTileValue(std::string_view key, const TileValue& value) {
  const bool encoded = value.is_encoded();
  const uint8_t* payload = encoded ? value.bytes.data() : value.pixels.data();
  const size_t payload_bytes = encoded ? value.bytes.size() : value.pixels.byte_size();
  Bytes out;
  out.resize(kTileValueHeaderBytes + key.size() + payload_bytes);
  uint8_t* p = out.data();
  std::memcpy(p, kTileValueMagic.data(), 4);
  p[4] = kTileValueVersion;
  p[5] = encoded ? kKindEncoded : kKindPixels;
  p[6] = value.needs_icc ? kFlagNeedsIcc : 0;
  p[7] =
      encoded ? static_cast<uint8_t>(*value.encoding) : static_cast<uint8_t>(value.pixels.type());
  PutLe(p + 8, encoded ? 0 : static_cast<uint32_t>(value.pixels.width()), 4);
  PutLe(p + 12, encoded ? 0 : static_cast<uint32_t>(value.pixels.height()), 4);
  PutLe(p + 16, encoded ? 0 : static_cast<uint32_t>(value.pixels.bands()), 4);
  PutLe(p + 20, key.size(), 4);
  PutLe(p + 24, payload_bytes, 8);
  if (!key.empty()) std::memcpy(p + kTileValueHeaderBytes, key.data(), key.size());
  if (payload_bytes > 0) {
    std::memcpy(p + kTileValueHeaderBytes + key.size(), payload, payload_bytes);
  }
  return out;
}

StatusOr<TileValuePtr> DecodeTileValue(std::string_view stored, std::string_view key) {
  if (stored.size() < kTileValueHeaderBytes || stored.substr(0, 4) != kTileValueMagic) {
    return DataLossError("not a stored tile value");
  }
  const auto* p = reinterpret_cast<const uint8_t*>(stored.data());
  if (p[4] != kTileValueVersion) return DataLossError("stored tile value of another version");
  const uint8_t kind = p[5];
  const uint64_t width = GetLe(p + 8, 4), height = GetLe(p + 12, 4), bands = GetLe(p + 16, 4);
  const uint64_t key_bytes = GetLe(p + 20, 4), payload_bytes = GetLe(p + 24, 8);
  if (key_bytes > stored.size() - kTileValueHeaderBytes ||
      payload_bytes != stored.size() - kTileValueHeaderBytes - key_bytes) {
    return DataLossError("stored tile value of the wrong length");
  }
  if (stored.substr(kTileValueHeaderBytes, key_bytes) != key) {
    return NotFoundError("stored tile value of another key");
  }
  const uint8_t* payload = p + kTileValueHeaderBytes + key_bytes;
  const bool needs_icc = (p[6] & kFlagNeedsIcc) != 0;
  if (kind == kKindEncoded) {
    if (p[7] > static_cast<uint8_t>(Encoding::kTiff)) return DataLossError("unknown encoding");
    Bytes bytes(payload, payload + payload_bytes);
    return MakeEncodedValue(static_cast<Encoding>(p[7]), std::move(bytes), needs_icc);
  }
  if (kind != kKindPixels || p[7] > static_cast<uint8_t>(PixelType::kF64)) {
    return DataLossError("unknown kind of stored tile value");
  }
  const auto type = static_cast<PixelType>(p[7]);
  // Tile-sized images only: each side and the band count are bounded before multiplying.
  if (width > (1 << 16) || height > (1 << 16) || bands > 64 ||
      width * height * bands * BytesPerSample(type) != payload_bytes) {
    return DataLossError("stored pixels of the wrong size");
  }
  Image image = Image::Uninitialized(static_cast<int>(width), static_cast<int>(height),
                                     static_cast<int>(bands), type);
  if (payload_bytes > 0) std::memcpy(image.data(), payload, payload_bytes);
  return MakePixelValue(std::move(image), needs_icc);
}

Digest128 Hash128(std::string_view data) {
  Digest128 d;
  crypto_generichash(d.data(), d.size(), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), nullptr, 0);
  return d;
}

std::string Hex(const uint8_t* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

std::string EncodePartsHead(const PartsHead& head) {
  std::string out(kTilePartsHeaderBytes, '\0');
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  std::memcpy(p, kTilePartsMagic.data(), 4);
  p[4] = kTileValueVersion;
  PutLe(p + 8, head.parts, 4);
  PutLe(p + 16, head.total_bytes, 8);
  std::memcpy(p + 24, head.check.data(), 16);
  return out;
}

bool DecodePartsHead(std::string_view stored, PartsHead* head) {
  if (stored.size() != kTilePartsHeaderBytes || stored.substr(0, 4) != kTilePartsMagic) {
    return false;
  }
  const auto* p = reinterpret_cast<const uint8_t*>(stored.data());
  if (p[4] != kTileValueVersion) return false;
  head->parts = static_cast<uint32_t>(GetLe(p + 8, 4));
  head->total_bytes = GetLe(p + 16, 8);
  std::memcpy(head->check.data(), p + 24, 16);
  return head->parts > 0;
}

}  // namespace tessera
