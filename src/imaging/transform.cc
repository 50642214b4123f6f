#include "imaging/transform.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "imaging/vips_glue.h"

namespace tessera {
namespace {

// Every output pixel (x, y) comes from the source byte offset origin + x * step_x + y * step_y
// (steps may be negative). The output is walked in square blocks so that a transposing walk
// touches few source cache lines per block.
template <size_t N>
void Remap(const uint8_t* src, uint8_t* dst, int ow, int oh, size_t dst_row, ptrdiff_t origin,
           ptrdiff_t step_x, ptrdiff_t step_y, size_t n) {
  const size_t px = N ? N : n;
  constexpr int kBlock = 64;
  for (int by = 0; by < oh; by += kBlock) {
    const int ey = std::min(oh, by + kBlock);
    for (int bx = 0; bx < ow; bx += kBlock) {
      const int ex = std::min(ow, bx + kBlock);
      for (int y = by; y < ey; ++y) {
        uint8_t* d = dst + static_cast<size_t>(y) * dst_row + static_cast<size_t>(bx) * px;
        const uint8_t* s = src + origin + y * step_y + bx * step_x;
        for (int x = bx; x < ex; ++x, d += px, s += step_x) {
          if constexpr (N != 0) {
            std::memcpy(d, s, N);  // a fixed size: compiled to plain loads and stores
          } else {
            std::memcpy(d, s, px);
          }
        }
      }
    }
  }
}

struct Point {
  int64_t x, y;
};

// The source pixel of output pixel (x, y) for mirror-then-rotate-clockwise.
Point SourceOf(int64_t x, int64_t y, int64_t w, int64_t h, int degrees, bool mirror) {
  int64_t u = x, v = y;  // coordinates in the mirrored image
  switch (degrees) {
    case 90:
      u = y;
      v = h - 1 - x;
      break;
    case 180:
      u = w - 1 - x;
      v = h - 1 - y;
      break;
    case 270:
      u = w - 1 - y;
      v = x;
      break;
    default:
      break;
  }
  return Point{mirror ? w - 1 - u : u, v};
}

template <typename T>
double OpaqueAlpha() {
  if constexpr (std::is_floating_point_v<T>) {
    return 255.0;  // floats are displayed clipped to [0, 255] (ToDisplayUint8)
  } else {
    return static_cast<double>(std::numeric_limits<T>::max());
  }
}

// The luma of a pixel's first three samples as a double.
template <typename T>
double Luma(const T* p) {
  return 0.299 * static_cast<double>(p[0]) + 0.587 * static_cast<double>(p[1]) +
         0.114 * static_cast<double>(p[2]);
}

// PIL's RGB -> L for 8-bit samples (ImagingConvert's L24).
inline uint8_t Luma8(const uint8_t* p) {
  return static_cast<uint8_t>((p[0] * 19595u + p[1] * 38470u + p[2] * 7471u + 0x8000u) >> 16);
}

template <typename T>
double BitonalThreshold() {
  if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, uint8_t>) {
    return 128.0;
  } else if constexpr (std::is_signed_v<T>) {
    return 0.0;
  } else {
    return std::ldexp(128.0, 8 * static_cast<int>(sizeof(T)) - 8);  // 2^15, 2^31
  }
}

}  // namespace

StatusOr<Image> RotateMirror(const Image& src, int degrees, bool mirror) {
  if (degrees != 0 && degrees != 90 && degrees != 180 && degrees != 270) {
    return InvalidArgumentError("rotation must be 0, 90, 180 or 270 degrees, not " +
                                std::to_string(degrees));
  }
  if (degrees == 0 && !mirror) return src.Clone();
  const int w = src.width(), h = src.height();
  const bool swap = degrees == 90 || degrees == 270;
  Image out = Image::Uninitialized(swap ? h : w, swap ? w : h, src.bands(), src.type());
  if (out.empty()) return out;
  const auto px = static_cast<ptrdiff_t>(src.pixel_bytes());
  const auto row = static_cast<ptrdiff_t>(src.row_bytes());
  auto offset = [&](Point p) { return p.y * row + p.x * px; };
  const ptrdiff_t origin = offset(SourceOf(0, 0, w, h, degrees, mirror));
  const ptrdiff_t step_x = offset(SourceOf(1, 0, w, h, degrees, mirror)) - origin;
  const ptrdiff_t step_y = offset(SourceOf(0, 1, w, h, degrees, mirror)) - origin;
  if (step_x == px) {  // whole rows stay rows (a vertical flip)
    for (int y = 0; y < out.height(); ++y) {
      std::memcpy(out.row(y), src.data() + origin + y * step_y, out.row_bytes());
    }
    return out;
  }
  const uint8_t* s = src.data();
  uint8_t* d = out.data();
  const int ow = out.width(), oh = out.height();
  const size_t dr = out.row_bytes();
  switch (px) {
    case 1:
      Remap<1>(s, d, ow, oh, dr, origin, step_x, step_y, 1);
      break;
    case 2:
      Remap<2>(s, d, ow, oh, dr, origin, step_x, step_y, 2);
      break;
    case 3:
      Remap<3>(s, d, ow, oh, dr, origin, step_x, step_y, 3);
      break;
    case 4:
      Remap<4>(s, d, ow, oh, dr, origin, step_x, step_y, 4);
      break;
    case 6:
      Remap<6>(s, d, ow, oh, dr, origin, step_x, step_y, 6);
      break;
    case 8:
      Remap<8>(s, d, ow, oh, dr, origin, step_x, step_y, 8);
      break;
    case 12:
      Remap<12>(s, d, ow, oh, dr, origin, step_x, step_y, 12);
      break;
    case 16:
      Remap<16>(s, d, ow, oh, dr, origin, step_x, step_y, 16);
      break;
    default:
      Remap<0>(s, d, ow, oh, dr, origin, step_x, step_y, static_cast<size_t>(px));
      break;
  }
  return out;
}

bool HasAlphaBand(int bands) { return bands == 2 || bands == 4; }

StatusOr<Image> RotateArbitrary(const Image& src, double degrees, bool mirror, bool add_alpha) {
  if (!std::isfinite(degrees)) return InvalidArgumentError("rotation must be a finite angle");
  double angle = std::fmod(degrees, 360.0);
  if (angle < 0) angle += 360.0;
  if (std::fmod(angle, 90.0) == 0) return RotateMirror(src, static_cast<int>(angle), mirror);
  if (src.empty()) return InvalidArgumentError("cannot rotate an empty image");
  TS_RETURN_IF_ERROR(InitVips());
  Image mirrored;
  const Image* input = &src;
  if (mirror) {
    TS_ASSIGN_OR_RETURN(mirrored, RotateMirror(src, 0, true));
    input = &mirrored;
  }
  const VipsBandFormat format = VipsFormatOf(src.type());
  // The pipeline runs to completion below, while `input` lives.
  TS_ASSIGN_OR_RETURN(VipsImagePtr image, WrapImage(*input));
  VipsImage* next = nullptr;
  int bands = src.bands();
  const double opaque =
      DispatchPixelType(src.type(), [](auto zero) { return OpaqueAlpha<decltype(zero)>(); });
  if (add_alpha && (bands == 1 || bands == 3)) {
    if (vips_bandjoin_const1(image.get(), &next, opaque, nullptr) != 0) {
      return VipsFailure("vips_bandjoin_const1");
    }
    image.reset(next);
    ++bands;
  }
  // With alpha, colours are interpolated premultiplied, in double with alpha scaled to [0, 1]
  // (libvips would otherwise take the alpha maximum to be 255 whatever the sample type). 16-
  // and 32-bit integers without alpha are interpolated in double too: libvips' fixed-point
  // paths lose precision on them.
  const bool alpha = HasAlphaBand(bands);
  std::vector<double> to_unit(static_cast<size_t>(bands), 1.0), zeros(to_unit.size(), 0.0);
  std::vector<double> from_unit = to_unit;
  to_unit.back() = alpha ? 1.0 / opaque : 1.0;
  from_unit.back() = alpha ? opaque : 1.0;
  if (alpha || (src.type() != PixelType::kU8 && src.type() != PixelType::kI8 &&
                src.type() != PixelType::kF32 && src.type() != PixelType::kF64)) {
    if (vips_cast(image.get(), &next, VIPS_FORMAT_DOUBLE, nullptr) != 0) {
      return VipsFailure("vips_cast");
    }
    image.reset(next);
  }
  if (alpha) {
    if (vips_linear(image.get(), &next, to_unit.data(), zeros.data(), bands, nullptr) != 0) {
      return VipsFailure("vips_linear");
    }
    image.reset(next);
    if (vips_premultiply(image.get(), &next, "max_alpha", 1.0, nullptr) != 0) {
      return VipsFailure("vips_premultiply");
    }
    image.reset(next);
  }
  // A rotation by `angle` clockwise on screen (y points down); libvips' output area is the
  // bounding box of the transformed image.
  const double rad = angle * std::acos(-1.0) / 180.0;
  const double cs = std::cos(rad), sn = std::sin(rad);
  if (vips_affine(image.get(), &next, cs, -sn, sn, cs, "premultiplied", TRUE, nullptr) != 0) {
    return VipsFailure("vips_affine");
  }
  image.reset(next);
  if (alpha) {
    if (vips_unpremultiply(image.get(), &next, "max_alpha", 1.0, nullptr) != 0) {
      return VipsFailure("vips_unpremultiply");
    }
    image.reset(next);
    if (vips_linear(image.get(), &next, from_unit.data(), zeros.data(), bands, nullptr) != 0) {
      return VipsFailure("vips_linear");
    }
    image.reset(next);
  }
  TS_RETURN_IF_ERROR(CastToFormat(image, format));
  return ImageFromVips(image.get(), src.type(), "rotate");
}

Image ToGray(const Image& src) {
  const int bands = src.bands();
  if (bands <= 2) return src.Clone();
  const bool alpha = bands == 4;
  Image out = Image::Uninitialized(src.width(), src.height(), alpha ? 2 : 1, src.type());
  DispatchPixelType(src.type(), [&](auto zero) {
    using T = decltype(zero);
    for (int y = 0; y < src.height(); ++y) {
      const T* s = src.row_as<T>(y);
      T* d = out.row_as<T>(y);
      for (int x = 0; x < src.width(); ++x, s += bands) {
        if constexpr (std::is_same_v<T, uint8_t>) {
          *d++ = Luma8(s);
        } else if constexpr (std::is_floating_point_v<T>) {
          *d++ = static_cast<T>(Luma(s));
        } else {
          // Weights sum to 1, so the rounded luma of in-range samples is in range.
          *d++ = static_cast<T>(std::llround(Luma(s)));
        }
        if (alpha) *d++ = s[3];
      }
    }
  });
  return out;
}

Image ToBitonal(const Image& src) {
  Image out = Image::Uninitialized(src.width(), src.height(), 1, PixelType::kU8);
  const int bands = src.bands();
  DispatchPixelType(src.type(), [&](auto zero) {
    using T = decltype(zero);
    const double threshold = BitonalThreshold<T>();
    for (int y = 0; y < src.height(); ++y) {
      const T* s = src.row_as<T>(y);
      uint8_t* d = out.row(y);
      for (int x = 0; x < src.width(); ++x, s += bands) {
        double v;
        if constexpr (std::is_same_v<T, uint8_t>) {
          v = bands >= 3 ? Luma8(s) : s[0];
        } else {
          v = bands >= 3 ? Luma(s) : static_cast<double>(s[0]);
        }
        d[x] = v >= threshold ? 255 : 0;  // NaN is dark
      }
    }
  });
  return out;
}

}  // namespace tessera
