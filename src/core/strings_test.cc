#include "core/strings.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(StringsTest, ParseInt) {
  EXPECT_EQ(ParseInt("42"), 42);
  EXPECT_EQ(ParseInt("-3"), -3);
  EXPECT_EQ(ParseInt("+7"), 7);
  EXPECT_FALSE(ParseInt(""));
  EXPECT_FALSE(ParseInt("4x"));
  EXPECT_FALSE(ParseInt("99999999999999999999999"));
}

TEST(StringsTest, ParseDoubleRejectsNonFinite) {
  EXPECT_DOUBLE_EQ(*ParseDouble("0.5"), 0.5);
  EXPECT_FALSE(ParseDouble("nan"));
  EXPECT_FALSE(ParseDouble("inf"));
  EXPECT_FALSE(ParseDouble("1e999"));
}

TEST(StringsTest, FormatDoubleIsShortestAndRoundTrips) {
  EXPECT_EQ(FormatDouble(90), "90");
  EXPECT_EQ(FormatDouble(22.5), "22.5");
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(-3), "-3");
  for (double v : {1.0 / 3, 1e300, 123456789.125, 5e-324}) {
    EXPECT_EQ(*ParseDouble(FormatDouble(v)), v) << FormatDouble(v);
  }
}

TEST(StringsTest, UrlDecode) {
  EXPECT_EQ(*UrlDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(*UrlDecode("a+c", false), "a+c");
  EXPECT_EQ(*UrlDecode("%7B%22a%22%7D", true), "{\"a\"}");
  EXPECT_FALSE(UrlDecode("%", true));
  EXPECT_FALSE(UrlDecode("%4", true));
  EXPECT_FALSE(UrlDecode("%zz", true));
}

TEST(StringsTest, ByteSize) {
  EXPECT_EQ(ParseByteSize("1024"), 1024u);
  EXPECT_EQ(ParseByteSize("1GiB"), 1024ull * 1024 * 1024);
  EXPECT_EQ(ParseByteSize("1.5 MB"), 1572864u);
  EXPECT_FALSE(ParseByteSize("12 parsecs"));
}

TEST(StringsTest, SplitTrimLower) {
  auto parts = Split("a,,b", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(Trim("  x \n"), "x");
  EXPECT_EQ(ToLower("JPEG"), "jpeg");
  EXPECT_TRUE(EqualsIgnoreCase("Png", "PNG"));
  EXPECT_EQ(JsonEscape("a\"b\n"), "a\\\"b\\n");
}

}  // namespace
}  // namespace tessera
