#include "imaging/resample.h"

#include "imaging/vips_glue.h"

#include <vips/vips.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>

namespace tessera {
namespace {

// ---------------------------------------------------------------------------------------------
// Downsample2x
//
// The type and the band count are dispatched once per image; the row kernels below are
// templates over both, with the band loop unrolled at compile time (index_sequence) and the
// pixel loop cut into fixed-size chunks. That shape is what GCC's -O2 vectorizer accepts (its
// "very cheap" cost model will not vectorize a loop of unknown trip count, nor add run-time
// alias checks): the uint8 kernels for 1, 2 and 4 bands compile to SSE2 code, and so do most
// of the 16-bit and float ones. Measured on a shared 2-core EPYC, 512x512 -> 256x256 with the
// output allocation: uint8 RGB ~110 us (7 GB/s of input), RGBA ~50 us, grey ~15 us.

// Accumulator wide enough for the sum of four samples.
template <typename T>
using Sum = std::conditional_t<std::is_floating_point_v<T>, T,
                               std::conditional_t<(sizeof(T) <= 2), int, int64_t>>;

// Round half up: for negative sums the arithmetic shift is a floor, so -1.5 -> -1.
template <typename T>
inline T Mean4(Sum<T> s) {
  if constexpr (std::is_floating_point_v<T>) {
    return s * T(0.25);
  } else {
    return static_cast<T>((s + 2) >> 2);
  }
}
template <typename T>
inline T Mean2(Sum<T> s) {
  if constexpr (std::is_floating_point_v<T>) {
    return s * T(0.5);
  } else {
    return static_cast<T>((s + 1) >> 1);
  }
}

constexpr int kChunk = 16;  // output pixels per fixed-length inner loop

template <typename T, int kBands, size_t... C>
inline void QuadPixel(const T* __restrict a, const T* __restrict b, T* __restrict o,
                      std::index_sequence<C...>) {
  ((o[C] = Mean4<T>(Sum<T>(a[C]) + a[kBands + C] + b[C] + b[kBands + C])), ...);
}
template <typename T, int kBands, size_t... C>
inline void PairPixel(const T* __restrict a, T* __restrict o, std::index_sequence<C...>) {
  ((o[C] = Mean2<T>(Sum<T>(a[C]) + a[kBands + C])), ...);
}

// out[0, pairs) = mean of the 2x2 blocks of rows r0, r1 (kBands > 0: compile-time bands).
// Not inlined: GCC honours __restrict on a function's own parameters, and without it the
// vectorizer would need run-time alias checks, which -O2 does not allow.
template <typename T, int kBands>
[[gnu::noinline]] void QuadRow(const T* __restrict r0, const T* __restrict r1, T* __restrict out,
                               int pairs) {
  constexpr auto kSeq = std::make_index_sequence<kBands>();
  int x = 0;
  if constexpr (std::is_same_v<T, uint8_t> && kBands == 3) {
    // RGB: GCC will not vectorize the stride-6 one-pass form at -O2. Two passes do better
    // (about 1.4x): the vertical sums vectorize, then the horizontal pairs are plain code.
    constexpr int kRgbChunk = 32;
    uint16_t t[6 * kRgbChunk];
    for (; x + kRgbChunk <= pairs; x += kRgbChunk) {
      const uint8_t* __restrict a = r0 + 6 * x;
      const uint8_t* __restrict b = r1 + 6 * x;
      uint8_t* __restrict o = out + 3 * x;
      for (int i = 0; i < 6 * kRgbChunk; ++i) t[i] = static_cast<uint16_t>(a[i] + b[i]);
      for (int i = 0; i < kRgbChunk; ++i) {
        o[3 * i] = static_cast<uint8_t>((t[6 * i] + t[6 * i + 3] + 2) >> 2);
        o[3 * i + 1] = static_cast<uint8_t>((t[6 * i + 1] + t[6 * i + 4] + 2) >> 2);
        o[3 * i + 2] = static_cast<uint8_t>((t[6 * i + 2] + t[6 * i + 5] + 2) >> 2);
      }
    }
  } else {
    for (; x + kChunk <= pairs; x += kChunk) {
      const T* __restrict a = r0 + 2 * x * kBands;
      const T* __restrict b = r1 + 2 * x * kBands;
      T* __restrict o = out + x * kBands;
      for (int i = 0; i < kChunk; ++i) {
        QuadPixel<T, kBands>(a + 2 * i * kBands, b + 2 * i * kBands, o + i * kBands, kSeq);
      }
    }
  }
  for (; x < pairs; ++x) {
    QuadPixel<T, kBands>(r0 + 2 * x * kBands, r1 + 2 * x * kBands, out + x * kBands, kSeq);
  }
}

template <typename T, int kBands>
[[gnu::noinline]] void PairRow(const T* __restrict r0, T* __restrict out, int pairs) {
  constexpr auto kSeq = std::make_index_sequence<kBands>();
  int x = 0;
  for (; x + kChunk <= pairs; x += kChunk) {
    const T* __restrict a = r0 + 2 * x * kBands;
    T* __restrict o = out + x * kBands;
    for (int i = 0; i < kChunk; ++i) PairPixel<T, kBands>(a + 2 * i * kBands, o + i * kBands, kSeq);
  }
  for (; x < pairs; ++x) PairPixel<T, kBands>(r0 + 2 * x * kBands, out + x * kBands, kSeq);
}

// Any band count (decided at run time).
template <typename T>
void QuadRowAnyBands(const T* __restrict r0, const T* __restrict r1, T* __restrict out, int pairs,
                     int bands) {
  for (int x = 0; x < pairs; ++x) {
    const T* a = r0 + 2 * x * bands;
    const T* b = r1 + 2 * x * bands;
    for (int c = 0; c < bands; ++c) {
      out[x * bands + c] = Mean4<T>(Sum<T>(a[c]) + a[bands + c] + b[c] + b[bands + c]);
    }
  }
}
template <typename T>
void PairRowAnyBands(const T* __restrict r0, T* __restrict out, int pairs, int bands) {
  for (int x = 0; x < pairs; ++x) {
    const T* a = r0 + 2 * x * bands;
    for (int c = 0; c < bands; ++c) out[x * bands + c] = Mean2<T>(Sum<T>(a[c]) + a[bands + c]);
  }
}

// kBands == 0: the band count is `bands`, known only at run time.
template <typename T, int kBands>
void DownsampleTyped(const Image& src, int valid_w, int valid_h, Image& out) {
  const int bands = kBands > 0 ? kBands : src.bands();
  const int pairs = valid_w / 2;
  const bool odd_column = valid_w % 2 != 0;
  const int last = 2 * pairs * bands;  // first sample of the odd column
  for (int oy = 0; 2 * oy < valid_h; ++oy) {
    const T* r0 = src.row_as<T>(2 * oy);
    T* o = out.row_as<T>(oy);
    if (2 * oy + 1 < valid_h) {
      const T* r1 = src.row_as<T>(2 * oy + 1);
      if constexpr (kBands > 0) {
        QuadRow<T, kBands>(r0, r1, o, pairs);
      } else {
        QuadRowAnyBands<T>(r0, r1, o, pairs, bands);
      }
      if (odd_column) {
        for (int c = 0; c < bands; ++c) {
          o[pairs * bands + c] = Mean2<T>(Sum<T>(r0[last + c]) + r1[last + c]);
        }
      }
    } else {
      if constexpr (kBands > 0) {
        PairRow<T, kBands>(r0, o, pairs);
      } else {
        PairRowAnyBands<T>(r0, o, pairs, bands);
      }
      if (odd_column) {
        for (int c = 0; c < bands; ++c) o[pairs * bands + c] = r0[last + c];
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// libvips

VipsKernel VipsKernelOf(ResampleFilter filter) {
  switch (filter) {
    case ResampleFilter::kNearest:
      return VIPS_KERNEL_NEAREST;
    case ResampleFilter::kLinear:
      return VIPS_KERNEL_LINEAR;
    case ResampleFilter::kCubic:
      return VIPS_KERNEL_CUBIC;
    case ResampleFilter::kLanczos3:
      return VIPS_KERNEL_LANCZOS3;
  }
  return VIPS_KERNEL_LANCZOS3;
}

}  // namespace

Image Downsample2x(const Image& src, int64_t valid_width, int64_t valid_height) {
  Image out((src.width() + 1) / 2, (src.height() + 1) / 2, src.bands(), src.type());
  const int valid_w = static_cast<int>(std::clamp<int64_t>(valid_width, 0, src.width()));
  const int valid_h = static_cast<int>(std::clamp<int64_t>(valid_height, 0, src.height()));
  if (valid_w == 0 || valid_h == 0) return out;
  DispatchPixelType(src.type(), [&](auto zero) {
    using T = decltype(zero);
    switch (src.bands()) {
      case 1:
        return DownsampleTyped<T, 1>(src, valid_w, valid_h, out);
      case 2:
        return DownsampleTyped<T, 2>(src, valid_w, valid_h, out);
      case 3:
        return DownsampleTyped<T, 3>(src, valid_w, valid_h, out);
      case 4:
        return DownsampleTyped<T, 4>(src, valid_w, valid_h, out);
      default:
        return DownsampleTyped<T, 0>(src, valid_w, valid_h, out);
    }
  });
  return out;
}

StatusOr<Image> Resize(const Image& src, int width, int height, ResampleFilter filter) {
  if (src.empty()) return InvalidArgumentError("cannot resize an empty image");
  if (width <= 0 || height <= 0) {
    return InvalidArgumentError("resize target " + std::to_string(width) + "x" +
                                std::to_string(height) + " must be positive");
  }
  if (width == src.width() && height == src.height()) return src.Clone();
  TS_RETURN_IF_ERROR(InitVips());

  const VipsBandFormat format = VipsFormatOf(src.type());
  // Our pixels outlive every use: the pipeline runs to completion below, in ImageFromVips.
  TS_ASSIGN_OR_RETURN(VipsImagePtr image, WrapImage(src));

  VipsImage* next = nullptr;
  // libvips reduces 32-bit integers with fixed-point weights that lose a few units (a constant
  // 100 comes back as 98): resample those in double and round back below.
  if (src.type() == PixelType::kU32 || src.type() == PixelType::kI32) {
    if (vips_cast(image.get(), &next, VIPS_FORMAT_DOUBLE, nullptr) != 0) {
      return VipsFailure("vips_cast");
    }
    image.reset(next);
  }
  const double hscale = static_cast<double>(width) / src.width();
  const double vscale = static_cast<double>(height) / src.height();
  if (vips_resize(image.get(), &next, hscale, "vscale", vscale, "kernel", VipsKernelOf(filter),
                  nullptr) != 0) {
    return VipsFailure("vips_resize");
  }
  image.reset(next);

  // vips_resize rounds the output size itself; pin it to exactly what was asked for.
  if (vips_image_get_width(image.get()) != width || vips_image_get_height(image.get()) != height) {
    if (vips_embed(image.get(), &next, 0, 0, width, height, "extend", VIPS_EXTEND_COPY, nullptr) !=
        0) {
      return VipsFailure("vips_embed");
    }
    image.reset(next);
  }

  TS_RETURN_IF_ERROR(CastToFormat(image, format));
  return ImageFromVips(image.get(), src.type(), "resize");
}

}  // namespace tessera
