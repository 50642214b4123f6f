// TileValue codec: how a tile cache value is stored in a shared tier (memcached, redis), where it
// leaves the process as bytes.
//
// A stored value is a fixed little-endian header, the full original cache key, then the payload:
//
//   "TSTV" | version u8 (1) | kind u8 (0 encoded, 1 pixels) | flags u8 (bit 0: needs_icc) |
//   code u8 (Encoding, or PixelType for pixels) | width u32 | height u32 | bands u32 |
//   key length u32 | payload length u64 | key | payload
//
// Shared tiers name values by a hash of the key (shared_tile_cache.h); the full key inside the
// value is compared on every read, so a hash collision is a miss, never another tile. Parsing
// checks every length against the buffer, so a truncated or foreign value is rejected.
//
// Values too large for one backend item are split into parts: a head value
//
//   "TSTP" | version u8 (1) | 3 zero bytes | part count u32 | 4 zero bytes | total length u64 |
//   check (16 bytes)
//
// names the count, the length and a BLAKE2b check of the whole encoded value; the parts are the
// encoded value cut in pieces. Parts that do not reassemble to the check are a miss.
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "cache/tile_value.h"
#include "core/bytes.h"
#include "core/status.h"

namespace tessera {

inline constexpr std::string_view kTileValueMagic = "TSTV";
inline constexpr std::string_view kTilePartsMagic = "TSTP";
inline constexpr uint8_t kTileValueVersion = 1;
inline constexpr size_t kTileValueHeaderBytes = 32;
inline constexpr size_t kTilePartsHeaderBytes = 40;

// The stored form of `value` under `key`.
Bytes EncodeTileValue(std::string_view key, const TileValue& value);

// The value back. NotFound when the stored key is not `key` (a collision or a reused name),
// DataLoss when the bytes are not a well-formed value of this version.
StatusOr<TileValuePtr> DecodeTileValue(std::string_view stored, std::string_view key);

// A 16-byte BLAKE2b digest (libsodium crypto_generichash) and its lowercase hex.
using Digest128 = std::array<uint8_t, 16>;
Digest128 Hash128(std::string_view data);
std::string Hex(const uint8_t* data, size_t n);

struct PartsHead {
  uint32_t parts = 0;
  uint64_t total_bytes = 0;
  Digest128 check{};
};
std::string EncodePartsHead(const PartsHead& head);
// False unless `stored` is a parts head of this version.
bool DecodePartsHead(std::string_view stored, PartsHead* head);

}  // namespace tessera
