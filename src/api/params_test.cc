#include "api/params.h"
#include "imaging/style.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

ApiRequest With(std::vector<std::pair<std::string, std::string>> q) {
  ApiRequest r;
  r.query = std::move(q);
  return r;
}

TEST(ParamsTest, EncodeParams) {
  auto e = EncodeParams(With({{"encoding", "png"}}), Encoding::kJpeg);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->encoding, Encoding::kPng);
  e = EncodeParams(With({{"jpegQuality", "80"}, {"jpegSubsampling", "2"}}), Encoding::kJpeg);
  EXPECT_EQ(e->jpeg_quality, 80);
  EXPECT_EQ(e->jpeg_subsampling, 2);
  auto bad = EncodeParams(With({{"jpegQuality", "high"}}), Encoding::kJpeg);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("jpegQuality"), std::string::npos);
  EXPECT_FALSE(EncodeParams(With({{"jpegQuality", "0"}}), Encoding::kJpeg).ok());
  EXPECT_FALSE(EncodeParams(With({{"encoding", "GIF"}}), Encoding::kJpeg).ok());
  EXPECT_FALSE(EncodeParams(With({{"tiffCompression", "lzma"}}), Encoding::kJpeg).ok());
}

TEST(ParamsTest, IntParamTakesIntegralFloatsInRangeOnly) {
  EXPECT_EQ(**IntParam(With({{"n", "3.0"}}), "n", 0, 10), 3);
  EXPECT_EQ(**IntParam(With({{"n", "1e18"}}), "n", 0, INT64_MAX), 1000000000000000000);
  EXPECT_EQ(**IntParam(With({{"n", "-9223372036854775808.0"}}), "n", INT64_MIN, 0), INT64_MIN);
  EXPECT_FALSE(IntParam(With({{"n", "2.5"}}), "n", 0, 10).ok());
  // Found by fuzz/route_fuzz (corpus/route/crash-frame-1e73, corpus/region/crash-width-3e110):
  // floats beyond int64 were converted anyway (undefined behaviour; UBSan reports it).
  for (const char* v : {"1e30", "-1e30", "9223372036854775808", "1.11111e+73", "inf", "nan"}) {
    auto r = IntParam(With({{"n", v}}), "n", INT64_MIN, INT64_MAX);
    ASSERT_FALSE(r.ok()) << v;
    EXPECT_NE(r.status().message().find("is not an integer"), std::string::npos) << v;
  }
}

TEST(ParamsTest, StyleAndFrame) {
  EXPECT_EQ(*StyleParam(With({})), "");
  EXPECT_EQ(*StyleParam(With({{"style", "{}"}})), "");
  EXPECT_EQ(*StyleParam(With({{"style", R"({"icc": true})"}})), "");
  EXPECT_EQ(*StyleParam(With({{"style", R"({"icc": false})"}})), kIccOffStyle);
  EXPECT_EQ(StyleParam(With({{"style", "{bad"}})).status().message(),
            "Style is not a valid json object.");
  // Canonical: the same style spelled differently is one cache entry.
  EXPECT_EQ(*StyleParam(With({{"style", R"({"band": 1, "max": 9})"}})),
            *StyleParam(With({{"style", R"({ "max":9,"band":1 })"}})));
  EXPECT_NE(StyleParam(With({{"style", R"({"band": 0})"}})).status().message().find("band 0"),
            std::string::npos);
  // dtype uint16 keeps PNG 16-bit.
  EncodeOptions e;
  ASSERT_TRUE(StyleParam(With({{"style", R"({"dtype": "uint16"})"}}), &e).ok());
  EXPECT_TRUE(e.keep_16bit);
  EXPECT_EQ(*FrameParam(With({{"frame", "3"}})), 3);
  EXPECT_FALSE(FrameParam(With({{"frame", "-1"}})).ok());
  EXPECT_EQ(*FrameParam(With({{"frame", "2.0"}})), 2);
}

}  // namespace
}  // namespace tessera
