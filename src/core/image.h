// Image: a typed, interleaved pixel buffer (width x height x bands of one sample type).
//
// This is the decoded-pixels currency of Tessera: sources produce it, the tile service
// synthesizes and crops it, codecs encode it. Rows are tightly packed (row_bytes() =
// width * bands * sample size), samples interleaved (RGBRGB...).
//
// Copying an image is explicit (Clone()) so that a hot path never copies pixels by accident.
// Thread-safety: a value type; a const Image may be read from many threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace tessera {

enum class PixelType : uint8_t { kU8, kI8, kU16, kI16, kU32, kI32, kF32, kF64 };

size_t BytesPerSample(PixelType type);
// numpy-style names as large_image reports them: "uint8", "int16", "float32", ...
std::string_view PixelTypeName(PixelType type);
StatusOr<PixelType> PixelTypeFromName(std::string_view name);

// Calls f(T{}) with T the C++ sample type of `type`.
template <typename F>
decltype(auto) DispatchPixelType(PixelType type, F&& f) {
  switch (type) {
    case PixelType::kU8:
      return f(uint8_t{});
    case PixelType::kI8:
      return f(int8_t{});
    case PixelType::kU16:
      return f(uint16_t{});
    case PixelType::kI16:
      return f(int16_t{});
    case PixelType::kU32:
      return f(uint32_t{});
    case PixelType::kI32:
      return f(int32_t{});
    case PixelType::kF32:
      return f(float{});
    case PixelType::kF64:
      break;
  }
  return f(double{});
}

struct Rect {
  int64_t x = 0;
  int64_t y = 0;
  int64_t width = 0;
  int64_t height = 0;
  bool empty() const { return width <= 0 || height <= 0; }
  friend bool operator==(const Rect&, const Rect&) = default;
};

// The intersection of two rectangles (empty when they do not overlap).
Rect Intersect(const Rect& a, const Rect& b);

class Image {
 public:
  Image() = default;
  // A zero-filled image.
  Image(int width, int height, int bands, PixelType type);
  // An image whose pixels are not initialized, for a decoder that writes every one of them.
  static Image Uninitialized(int width, int height, int bands, PixelType type);

  Image(Image&&) noexcept = default;
  Image& operator=(Image&&) noexcept = default;
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;

  Image Clone() const;

  int width() const { return width_; }
  int height() const { return height_; }
  int bands() const { return bands_; }
  PixelType type() const { return type_; }
  bool empty() const { return width_ == 0 || height_ == 0; }

  size_t sample_bytes() const { return BytesPerSample(type_); }
  size_t pixel_bytes() const { return sample_bytes() * static_cast<size_t>(bands_); }
  size_t row_bytes() const { return pixel_bytes() * static_cast<size_t>(width_); }
  size_t byte_size() const { return pixels_.size(); }

  uint8_t* data() { return pixels_.data(); }
  const uint8_t* data() const { return pixels_.data(); }
  uint8_t* row(int y) { return pixels_.data() + row_bytes() * static_cast<size_t>(y); }
  const uint8_t* row(int y) const { return pixels_.data() + row_bytes() * static_cast<size_t>(y); }
  template <typename T>
  T* row_as(int y) {
    return reinterpret_cast<T*>(row(y));
  }
  template <typename T>
  const T* row_as(int y) const {
    return reinterpret_cast<const T*>(row(y));
  }

  // A copy of `rect` (clipped to the image). Pixels of `rect` outside the image are zero.
  Image Crop(const Rect& rect) const;

  // Copies `src` (same type and band count) so that its top-left lands at (x, y); parts that
  // fall outside this image are dropped.
  void Paste(const Image& src, int64_t x, int64_t y);

  // Sets every sample of the pixels in `rect` (clipped) to the given per-band values (the value
  // for band b is values[min(b, values.size()-1)]), converted to the sample type.
  void Fill(const Rect& rect, const std::vector<double>& values);

  friend bool operator==(const Image& a, const Image& b) {
    return a.width_ == b.width_ && a.height_ == b.height_ && a.bands_ == b.bands_ &&
           a.type_ == b.type_ && a.pixels_ == b.pixels_;
  }

 private:
  int width_ = 0;
  int height_ = 0;
  int bands_ = 0;
  PixelType type_ = PixelType::kU8;
  std::vector<uint8_t, DefaultInitAllocator<uint8_t>> pixels_;
};

}  // namespace tessera
