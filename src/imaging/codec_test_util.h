// Helpers shared by the codec tests: test images, libvips encoding, exact comparison.
#pragma once

#include <gtest/gtest.h>
#include <tiffio.h>
#include <vips/vips.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "imaging/codec.h"
#include "testing/reference.h"
#include "testing/temp_dir.h"
#include "testing/testdata.h"

namespace tessera {

inline constexpr PixelType kAllTypes[] = {PixelType::kU8,  PixelType::kI8,  PixelType::kU16,
                                          PixelType::kI16, PixelType::kU32, PixelType::kI32,
                                          PixelType::kF32, PixelType::kF64};

// Full-range pseudo-random samples (negative values for signed types, fractions for floats).
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

inline std::string AsString(const Bytes& b) { return std::string(b.begin(), b.end()); }

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline StatusOr<Image> DecodeString(const std::string& s) {
  return Decode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

inline VipsBandFormat FormatOf(PixelType t) {
  switch (t) {
    case PixelType::kU8:
      return VIPS_FORMAT_UCHAR;
    case PixelType::kI8:
      return VIPS_FORMAT_CHAR;
    case PixelType::kU16:
      return VIPS_FORMAT_USHORT;
    case PixelType::kI16:
      return VIPS_FORMAT_SHORT;
    case PixelType::kU32:
      return VIPS_FORMAT_UINT;
    case PixelType::kI32:
      return VIPS_FORMAT_INT;
    case PixelType::kF32:
      return VIPS_FORMAT_FLOAT;
    case PixelType::kF64:
      return VIPS_FORMAT_DOUBLE;
  }
  return VIPS_FORMAT_UCHAR;
}

// Encodes with libvips' own savers: `suffix` is a vips save string such as ".png[palette]".
inline std::string VipsEncode(const Image& img, const std::string& suffix) {
  if (VIPS_INIT("codec_test") != 0) return "";
  VipsImage* v = vips_image_new_from_memory_copy(img.data(), img.byte_size(), img.width(),
                                                 img.height(), img.bands(), FormatOf(img.type()));
  if (v == nullptr) return "";
  if (img.type() == PixelType::kU16) {  // or vips saves 8 bits
    v->Type = img.bands() >= 3 ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_GREY16;
  }
  void* buf = nullptr;
  size_t len = 0;
  const int rc = vips_image_write_to_buffer(v, suffix.c_str(), &buf, &len, nullptr);
  g_object_unref(v);
  if (rc != 0) {
    ADD_FAILURE() << "vips save " << suffix << ": " << vips_error_buffer();
    vips_error_clear();
    return "";
  }
  std::string out(static_cast<const char*>(buf), len);
  g_free(buf);
  return out;
}

inline void ExpectSameImage(const Image& got, const Image& want, const std::string& what) {
  ASSERT_EQ(got.width(), want.width()) << what;
  ASSERT_EQ(got.height(), want.height()) << what;
  ASSERT_EQ(got.bands(), want.bands()) << what;
  ASSERT_EQ(got.type(), want.type()) << what;
  EXPECT_TRUE(got == want)
      << what << ": max diff "
      << CompareImages(got, want, got.width(), got.height(), got.bands()).max_abs;
}

// Every proper prefix (sampled) of a valid file must fail cleanly, never crash.
template <typename DecodeFn>
inline void ExpectTruncationsFail(const Bytes& bytes, DecodeFn decode, StatusCode code) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{8}, size_t{16}, size_t{33}, bytes.size() / 3,
                   bytes.size() / 2, bytes.size() - 13, bytes.size() - 1}) {
    if (n >= bytes.size()) continue;
    auto r = decode(bytes.data(), n);
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    if (!r.ok() && n > 16) {
      EXPECT_EQ(r.status().code(), code) << r.status().ToString();
    }
  }
}

}  // namespace tessera
