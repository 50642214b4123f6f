// Bytes: an owned, contiguous byte buffer (encoded images, raw tile data).
//
// Cache entries hold `std::shared_ptr<const Bytes>` (or a value that contains Bytes) so a cache
// hit is written to the socket without a copy.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace tessera {

using Bytes = std::vector<uint8_t>;
using BytesPtr = std::shared_ptr<const Bytes>;

inline std::string_view AsStringView(const Bytes& b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace tessera
