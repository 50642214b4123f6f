#include "api/region_params.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

ApiRequest Req(std::vector<std::pair<std::string, std::string>> query) {
  ApiRequest r;
  r.method = "GET";
  r.query = std::move(query);
  return r;
}

TEST(RegionParamsTest, EveryNameLandsInTheSpec) {
  auto s = RegionParams(Req({{"left", "10.5"},
                             {"top", "-20"},
                             {"right", "300"},
                             {"bottom", "400"},
                             {"regionWidth", "7"},
                             {"regionHeight", "8"},
                             {"units", "fraction"},
                             {"unitsWH", "mm"},
                             {"width", "640"},
                             {"height", "480"},
                             {"magnification", "5"},
                             {"mm_x", "0.002"},
                             {"mm_y", "0.003"},
                             {"exact", "true"}}));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s->left, 10.5);
  EXPECT_EQ(*s->top, -20);
  EXPECT_EQ(*s->right, 300);
  EXPECT_EQ(*s->bottom, 400);
  EXPECT_EQ(*s->width, 7);
  EXPECT_EQ(*s->height, 8);
  EXPECT_EQ(s->units, RegionUnits::kFraction);
  EXPECT_EQ(*s->units_wh, RegionUnits::kMm);
  EXPECT_EQ(*s->max_width, 640);
  EXPECT_EQ(*s->max_height, 480);
  EXPECT_EQ(*s->magnification, 5);
  EXPECT_EQ(*s->mm_x, 0.002);
  EXPECT_EQ(*s->mm_y, 0.003);
  EXPECT_TRUE(s->exact);
}

TEST(RegionParamsTest, DefaultsAreLargeImages) {
  auto s = RegionParams(Req({{"left", ""}}));
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->left);
  EXPECT_EQ(s->units, RegionUnits::kBasePixels);
  EXPECT_FALSE(s->units_wh);
  EXPECT_FALSE(s->max_width);
  EXPECT_FALSE(s->magnification);
  EXPECT_FALSE(s->exact);
}

TEST(RegionParamsTest, BadValuesAreNamed) {
  struct Case {
    const char* name;
    const char* value;
  };
  for (Case c : {Case{"left", "abc"}, Case{"regionWidth", "1x"}, Case{"units", "furlongs"},
                 Case{"unitsWH", "parsecs"}, Case{"width", "-5"}, Case{"height", "1.5"},
                 Case{"magnification", "x"}, Case{"exact", "maybe"}}) {
    auto s = RegionParams(Req({{c.name, c.value}}));
    ASSERT_FALSE(s.ok()) << c.name;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    const std::string m = s.status().message();
    EXPECT_TRUE(m.find(c.name) != std::string::npos || m.find(c.value) != std::string::npos)
        << c.name << ": " << m;
  }
}

TEST(RegionParamsTest, Resample) {
  auto get = [](const char* v) { return ResampleParam(Req({{"resample", v}})); };
  EXPECT_FALSE(*ResampleParam(Req({})));
  EXPECT_FALSE(*get("true"));
  EXPECT_EQ(**get("false"), ResampleFilter::kNearest);
  EXPECT_EQ(**get("0"), ResampleFilter::kNearest);
  EXPECT_EQ(**get("1"), ResampleFilter::kLanczos3);
  EXPECT_EQ(**get("2"), ResampleFilter::kLinear);
  EXPECT_EQ(**get("3"), ResampleFilter::kCubic);
  auto bad = get("7");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("resample"), std::string::npos);
}

TEST(RegionParamsTest, Fill) {
  EXPECT_FALSE(*FillParam(Req({})));
  EXPECT_FALSE(*FillParam(Req({{"fill", "none"}})));
  auto red = FillParam(Req({{"fill", "red"}}));
  ASSERT_TRUE(red.ok() && *red);
  EXPECT_EQ((*red)->color, (Rgba{255, 0, 0, 255}));
  EXPECT_FALSE((*red)->corner);
  auto corner = FillParam(Req({{"fill", "corner:#00ff00"}}));
  ASSERT_TRUE(corner.ok() && *corner);
  EXPECT_TRUE((*corner)->corner);
  EXPECT_EQ((*corner)->color.g, 255);
  EXPECT_FALSE(FillParam(Req({{"fill", "notacolour"}})).ok());
}

TEST(RegionParamsTest, DoubleParam) {
  EXPECT_EQ(**DoubleParam(Req({{"x", "1e3"}}), "x"), 1000);
  EXPECT_FALSE(*DoubleParam(Req({}), "x"));
  auto bad = DoubleParam(Req({{"x", "one"}}), "x");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("x"), std::string::npos);
}

}  // namespace
}  // namespace tessera
