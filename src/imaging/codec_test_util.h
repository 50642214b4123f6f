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
#include "testing/images.h"
#include "testing/reference.h"
#include "testing/temp_dir.h"
#include "testing/testdata.h"

namespace tessera {

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
