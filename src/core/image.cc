#include "core/image.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tessera {

size_t BytesPerSample(PixelType type) {
  switch (type) {
    case PixelType::kU8:
    case PixelType::kI8:
      return 1;
    case PixelType::kU16:
    case PixelType::kI16:
      return 2;
    case PixelType::kU32:
    case PixelType::kI32:
    case PixelType::kF32:
      return 4;
    case PixelType::kF64:
      return 8;
  }
  return 1;
}

std::string_view PixelTypeName(PixelType type) {
  switch (type) {
    case PixelType::kU8:
      return "uint8";
    case PixelType::kI8:
      return "int8";
    case PixelType::kU16:
      return "uint16";
    case PixelType::kI16:
      return "int16";
    case PixelType::kU32:
      return "uint32";
    case PixelType::kI32:
      return "int32";
    case PixelType::kF32:
      return "float32";
    case PixelType::kF64:
      return "float64";
  }
  return "uint8";
}

StatusOr<PixelType> PixelTypeFromName(std::string_view name) {
  for (PixelType t : {PixelType::kU8, PixelType::kI8, PixelType::kU16, PixelType::kI16,
                      PixelType::kU32, PixelType::kI32, PixelType::kF32, PixelType::kF64}) {
    if (PixelTypeName(t) == name) return t;
  }
  return InvalidArgumentError("unknown pixel type '" + std::string(name) + "'");
}

Rect Intersect(const Rect& a, const Rect& b) {
  int64_t x0 = std::max(a.x, b.x);
  int64_t y0 = std::max(a.y, b.y);
  int64_t x1 = std::min(a.x + a.width, b.x + b.width);
  int64_t y1 = std::min(a.y + a.height, b.y + b.height);
  if (x1 <= x0 || y1 <= y0) return Rect{x0, y0, 0, 0};
  return Rect{x0, y0, x1 - x0, y1 - y0};
}

Image::Image(int width, int height, int bands, PixelType type)
    : width_(std::max(0, width)),
      height_(std::max(0, height)),
      bands_(std::max(1, bands)),
      type_(type),
      pixels_(static_cast<size_t>(width_) * height_ * bands_ * BytesPerSample(type), 0) {}

Image Image::Uninitialized(int width, int height, int bands, PixelType type) {
  Image out;
  out.width_ = std::max(0, width);
  out.height_ = std::max(0, height);
  out.bands_ = std::max(1, bands);
  out.type_ = type;
  out.pixels_.resize(static_cast<size_t>(out.width_) * out.height_ * out.bands_ *
                     BytesPerSample(type));
  return out;
}

Image Image::Clone() const {
  Image out;
  out.width_ = width_;
  out.height_ = height_;
  out.bands_ = bands_;
  out.type_ = type_;
  out.pixels_ = pixels_;
  return out;
}

Image Image::Crop(const Rect& rect) const {
  Image out(static_cast<int>(std::max<int64_t>(0, rect.width)),
            static_cast<int>(std::max<int64_t>(0, rect.height)), bands_, type_);
  Rect inside = Intersect(rect, Rect{0, 0, width_, height_});
  if (inside.empty()) return out;
  const size_t px = pixel_bytes();
  for (int64_t y = inside.y; y < inside.y + inside.height; ++y) {
    const uint8_t* src = row(static_cast<int>(y)) + inside.x * px;
    uint8_t* dst = out.row(static_cast<int>(y - rect.y)) + (inside.x - rect.x) * px;
    std::memcpy(dst, src, static_cast<size_t>(inside.width) * px);
  }
  return out;
}

void Image::Paste(const Image& src, int64_t x, int64_t y) {
  if (src.type_ != type_ || src.bands_ != bands_) return;
  Rect target = Intersect(Rect{x, y, src.width_, src.height_}, Rect{0, 0, width_, height_});
  if (target.empty()) return;
  const size_t px = pixel_bytes();
  for (int64_t ty = target.y; ty < target.y + target.height; ++ty) {
    const uint8_t* s = src.row(static_cast<int>(ty - y)) + (target.x - x) * px;
    uint8_t* d = row(static_cast<int>(ty)) + target.x * px;
    std::memcpy(d, s, static_cast<size_t>(target.width) * px);
  }
}

namespace {

template <typename T>
T SaturateTo(double v) {
  if constexpr (std::numeric_limits<T>::is_integer) {
    if (std::isnan(v)) return T{0};
    v = std::round(v);
    v = std::clamp(v, static_cast<double>(std::numeric_limits<T>::lowest()),
                   static_cast<double>(std::numeric_limits<T>::max()));
  }
  return static_cast<T>(v);
}

}  // namespace

void Image::Fill(const Rect& rect, const std::vector<double>& values) {
  Rect target = Intersect(rect, Rect{0, 0, width_, height_});
  if (target.empty() || values.empty()) return;
  DispatchPixelType(type_, [&](auto zero) {
    using T = decltype(zero);
    std::vector<T> pixel(bands_);
    for (int b = 0; b < bands_; ++b) {
      pixel[b] = SaturateTo<T>(values[std::min<size_t>(b, values.size() - 1)]);
    }
    for (int64_t y = target.y; y < target.y + target.height; ++y) {
      T* r = row_as<T>(static_cast<int>(y)) + target.x * bands_;
      for (int64_t x = 0; x < target.width; ++x) {
        std::memcpy(r + x * bands_, pixel.data(), sizeof(T) * bands_);
      }
    }
  });
}

}  // namespace tessera
