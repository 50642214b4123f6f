#include "imaging/color.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(ColorTest, HexForms) {
  EXPECT_EQ(*ParseColor("#DDD"), (Rgba{221, 221, 221, 255}));
  EXPECT_EQ(*ParseColor("#ff000080"), (Rgba{255, 0, 0, 128}));
  EXPECT_EQ(*ParseColor("#0f08"), (Rgba{0, 255, 0, 136}));
  EXPECT_FALSE(ParseColor("#12345").ok());
  EXPECT_FALSE(ParseColor("#ggg").ok());
}

TEST(ColorTest, FunctionsAndNames) {
  EXPECT_EQ(*ParseColor("rgb(1, 2, 3)"), (Rgba{1, 2, 3, 255}));
  EXPECT_EQ(*ParseColor("rgba(10,20,30,0.5)"), (Rgba{10, 20, 30, 127.5}));
  EXPECT_EQ(*ParseColor("White"), (Rgba{255, 255, 255, 255}));
  EXPECT_EQ(*ParseColor("rebeccapurple"), (Rgba{0x66, 0x33, 0x99, 255}));
  EXPECT_EQ(ParseColor("transparent")->a, 0);
  auto bad = ParseColor("blurple");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("blurple"), std::string::npos);
  EXPECT_FALSE(ParseColor("rgb(1,2)").ok());
}

}  // namespace
}  // namespace tessera
