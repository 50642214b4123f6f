// Bytes: an owned, contiguous byte buffer (encoded images, raw tile data).
//
// Cache entries hold `std::shared_ptr<const Bytes>` (or a value that contains Bytes) so a cache
// hit is written to the socket without a copy. Resizing Bytes does not zero the new bytes
// (DefaultInitAllocator): buffers are filled by a read or an encoder right after, and zeroing
// them first only costs time and page faults.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera {

// std::allocator, except that value-initialization (vector::resize, vector(n)) leaves
// trivially constructible elements uninitialized.
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <typename U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}  // NOLINT
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

using Bytes = std::vector<uint8_t, DefaultInitAllocator<uint8_t>>;
using BytesPtr = std::shared_ptr<const Bytes>;

inline std::string_view AsStringView(const Bytes& b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace tessera
