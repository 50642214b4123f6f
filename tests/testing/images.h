// Synthetic test images shared by the imaging tests: every sample type, noise and smooth
// content.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/image.h"

namespace tessera {

inline constexpr PixelType kAllTypes[] = {PixelType::kU8,  PixelType::kI8,  PixelType::kU16,
                                          PixelType::kI16, PixelType::kU32, PixelType::kI32,
                                          PixelType::kF32, PixelType::kF64};

// Full-range pseudo-random samples (negative values for signed types, fractions for floats;
// extremes included).
inline Image Noise(int w, int h, int bands, PixelType type, uint64_t seed = 1) {
  Image img(w, h, bands, type);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  DispatchPixelType(type, [&](auto zero) {
    using T = decltype(zero);
    for (int y = 0; y < h; ++y) {
      T* row = img.row_as<T>(y);
      for (int i = 0; i < w * bands; ++i) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        if constexpr (std::is_floating_point_v<T>) {
          row[i] = static_cast<T>(static_cast<double>(static_cast<int64_t>(s % 2000001) - 1000000) /
                                  64.0);
        } else {
          T v;
          std::memcpy(&v, &s, sizeof(T));
          row[i] = v;
        }
      }
    }
  });
  return img;
}

// Smooth 8-bit content for the lossy codecs.
inline Image Smooth(int w, int h, int bands) {
  Image img(w, h, bands, PixelType::kU8);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int b = 0; b < bands; ++b) {
        const double v = 128 + 100 * std::sin(0.05 * x + 0.07 * y + b);
        img.row(y)[x * bands + b] = static_cast<uint8_t>(b == 3 ? 64 + (x * 2) % 192 : v);
      }
    }
  }
  return img;
}

}  // namespace tessera
