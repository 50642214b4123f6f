#include "core/image.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(ImageTest, GeometryAndZeroFill) {
  Image img(5, 3, 3, PixelType::kU16);
  EXPECT_EQ(img.row_bytes(), 5u * 3 * 2);
  EXPECT_EQ(img.byte_size(), 5u * 3 * 3 * 2);
  for (size_t i = 0; i < img.byte_size(); ++i) ASSERT_EQ(img.data()[i], 0);
}

TEST(ImageTest, CropPastesAndPadsWithZero) {
  Image img(4, 4, 1, PixelType::kU8);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) img.row(y)[x] = static_cast<uint8_t>(y * 4 + x + 1);
  Image c = img.Crop(Rect{2, 2, 3, 3});
  ASSERT_EQ(c.width(), 3);
  EXPECT_EQ(c.row(0)[0], 11);
  EXPECT_EQ(c.row(1)[1], 16);
  EXPECT_EQ(c.row(0)[2], 0);  // outside the source
  EXPECT_EQ(c.row(2)[0], 0);

  Image dst(3, 3, 1, PixelType::kU8);
  dst.Paste(c, -1, -1);
  EXPECT_EQ(dst.row(0)[0], 16);
}

TEST(ImageTest, FillSaturates) {
  Image img(2, 2, 2, PixelType::kU8);
  img.Fill(Rect{0, 0, 1, 2}, {300, -4});
  EXPECT_EQ(img.row(0)[0], 255);
  EXPECT_EQ(img.row(0)[1], 0);
  EXPECT_EQ(img.row(0)[2], 0);  // x=1 untouched
  Image f(1, 1, 1, PixelType::kF32);
  f.Fill(Rect{0, 0, 1, 1}, {0.25});
  EXPECT_FLOAT_EQ(f.row_as<float>(0)[0], 0.25f);
}

TEST(ImageTest, PixelTypeNames) {
  EXPECT_EQ(PixelTypeName(PixelType::kI8), "int8");
  EXPECT_EQ(*PixelTypeFromName("float32"), PixelType::kF32);
  EXPECT_FALSE(PixelTypeFromName("complex").ok());
}

}  // namespace
}  // namespace tessera
