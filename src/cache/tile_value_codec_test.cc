#include "cache/tile_value_codec.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

std::string_view View(const Bytes& b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

Bytes Pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
  return b;
}

TEST(TileValueCodecTest, EncodedValueRoundTrips) {
  auto v = MakeEncodedValue(Encoding::kPng, Pattern(5000, 3), /*needs_icc=*/true);
  const Bytes stored = EncodeTileValue("u|f:1:2:3|0/4/5/6", *v);
  auto back = DecodeTileValue(View(stored), "u|f:1:2:3|0/4/5/6");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_TRUE((*back)->is_encoded());
  EXPECT_EQ(*(*back)->encoding, Encoding::kPng);
  EXPECT_TRUE((*back)->needs_icc);
  EXPECT_EQ((*back)->bytes, v->bytes);
}

TEST(TileValueCodecTest, PixelValueRoundTrips) {
  Image img(37, 11, 3, PixelType::kU16);
  for (int y = 0; y < img.height(); ++y) {
    for (int x = 0; x < img.width() * 3; ++x) img.row_as<uint16_t>(y)[x] = uint16_t(y * 1000 + x);
  }
  Image copy = img.Clone();
  auto v = MakePixelValue(std::move(img), false);
  const Bytes stored = EncodeTileValue("k", *v);
  auto back = DecodeTileValue(View(stored), "k");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_FALSE((*back)->is_encoded());
  EXPECT_FALSE((*back)->needs_icc);
  EXPECT_TRUE((*back)->pixels == copy);
}

TEST(TileValueCodecTest, AnotherKeyIsNotFound) {
  auto v = MakeEncodedValue(Encoding::kJpeg, Pattern(100, 1));
  const Bytes stored = EncodeTileValue("key-a", *v);
  auto back = DecodeTileValue(View(stored), "key-b");
  EXPECT_EQ(back.status().code(), StatusCode::kNotFound);
  // A key that is a prefix of the stored one is another key too.
  EXPECT_EQ(DecodeTileValue(View(stored), "key-").status().code(), StatusCode::kNotFound);
}

TEST(TileValueCodecTest, DamagedValuesAreRejected) {
  auto v = MakeEncodedValue(Encoding::kJpeg, Pattern(100, 1));
  const Bytes stored = EncodeTileValue("k", *v);
  const std::string_view all = View(stored);
  for (size_t n : {size_t{0}, size_t{4}, kTileValueHeaderBytes, all.size() - 1}) {
    EXPECT_EQ(DecodeTileValue(all.substr(0, n), "k").status().code(), StatusCode::kDataLoss) << n;
  }
  std::string longer(all);
  longer += "x";
  EXPECT_EQ(DecodeTileValue(longer, "k").status().code(), StatusCode::kDataLoss);
  std::string other_version(all);
  other_version[4] = 2;
  EXPECT_EQ(DecodeTileValue(other_version, "k").status().code(), StatusCode::kDataLoss);
  std::string bad_encoding(all);
  bad_encoding[7] = 99;
  EXPECT_EQ(DecodeTileValue(bad_encoding, "k").status().code(), StatusCode::kDataLoss);
  // Pixels whose size does not match the payload.
  auto p = MakePixelValue(Image(4, 4, 1, PixelType::kU8));
  Bytes pixels = EncodeTileValue("k", *p);
  pixels[8] = 5;  // width 5
  EXPECT_EQ(DecodeTileValue(View(pixels), "k").status().code(), StatusCode::kDataLoss);
}

TEST(TileValueCodecTest, PartsHeadRoundTrips) {
  PartsHead h;
  h.parts = 5;
  h.total_bytes = 4'500'123;
  h.check = Hash128("whole value");
  PartsHead back;
  ASSERT_TRUE(DecodePartsHead(EncodePartsHead(h), &back));
  EXPECT_EQ(back.parts, 5u);
  EXPECT_EQ(back.total_bytes, 4'500'123u);
  EXPECT_EQ(back.check, h.check);
  EXPECT_FALSE(DecodePartsHead(EncodePartsHead(h).substr(1), &back));
  EXPECT_FALSE(DecodePartsHead("TSTV", &back));
}

TEST(TileValueCodecTest, HashIsFixedLengthHex) {
  const Digest128 a = Hash128("a"), b = Hash128("b");
  EXPECT_NE(a, b);
  EXPECT_EQ(Hash128("a"), a);
  const std::string hex = Hex(a.data(), a.size());
  EXPECT_EQ(hex.size(), 32u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(Hex(reinterpret_cast<const uint8_t*>("\x01\xab"), 2), "01ab");
}

}  // namespace
}  // namespace tessera
