#include "api/iiif_params.h"

#include <gtest/gtest.h>

#include <string>

namespace tessera {
namespace {

constexpr IiifLimits kLimits{16383, 16383, uint64_t{8192} * 8192};

// The message of a failed parse, or "" when it succeeded.
template <typename T>
std::string ErrorOf(const StatusOr<T>& v) {
  if (v.ok()) return "";
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  return v.status().message();
}

TEST(IiifParamsTest, Regions) {
  auto full = ParseIiifRegion("full");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->kind, IiifRegion::Kind::kFull);
  EXPECT_EQ(ParseIiifRegion("square")->kind, IiifRegion::Kind::kSquare);
  auto px = ParseIiifRegion("113,213,74,75");
  ASSERT_TRUE(px.ok());
  EXPECT_EQ(px->kind, IiifRegion::Kind::kPixels);
  EXPECT_EQ(px->x, 113);
  EXPECT_EQ(px->h, 75);
  auto pct = ParseIiifRegion("pct:41,1.5,9,.5");
  ASSERT_TRUE(pct.ok());
  EXPECT_EQ(pct->kind, IiifRegion::Kind::kPercent);
  EXPECT_DOUBLE_EQ(pct->y, 1.5);
  EXPECT_DOUBLE_EQ(pct->h, 0.5);
  for (const char* bad :
       {"", "Full", "1,2,3", "1,2,3,4,5", "-1,2,3,4", "1.5,2,3,4", "1,2,0,4", "1,2,3,0",
        "pct:1,2,3", "pct:-1,2,3,4", "pct:1,2,0,4", "pct:100,0,5,5", "pct:1e2,1,1,1", "a,b,c,d",
        " 1,2,3,4", "1,2,3,4 ", "pct:1,2,3,4%", "99999999999999999,1,1,1", "square:1"}) {
    std::string e = ErrorOf(ParseIiifRegion(bad));
    EXPECT_NE(e.find("Invalid IIIF region"), std::string::npos) << "'" << bad << "': " << e;
  }
}

TEST(IiifParamsTest, Sizes) {
  auto max = ParseIiifSize("max");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->kind, IiifSize::Kind::kMax);
  EXPECT_FALSE(max->upscale);
  EXPECT_TRUE(ParseIiifSize("^max")->upscale);
  EXPECT_EQ(ParseIiifSize("500,")->kind, IiifSize::Kind::kWidth);
  EXPECT_EQ(ParseIiifSize(",500")->kind, IiifSize::Kind::kHeight);
  auto exact = ParseIiifSize("^300,200");
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->kind, IiifSize::Kind::kExact);
  EXPECT_TRUE(exact->upscale);
  EXPECT_EQ(exact->w, 300);
  EXPECT_EQ(exact->h, 200);
  auto confined = ParseIiifSize("^!2000,500");
  ASSERT_TRUE(confined.ok());
  EXPECT_EQ(confined->kind, IiifSize::Kind::kConfined);
  EXPECT_TRUE(confined->upscale);
  auto pct = ParseIiifSize("pct:45.5");
  ASSERT_TRUE(pct.ok());
  EXPECT_DOUBLE_EQ(pct->percent, 45.5);
  EXPECT_TRUE(ParseIiifSize("^pct:200").ok());
  for (const char* bad : {"full",  "^full", "",     ",",       "0,",     ",0",    "0,0",  "!500,",
                          "!,500", "pct:0", "pct:", "pct:101", "pct:-5", "w,h",   "1.5,", "500",
                          "!^1,1", "^^max", "Max",  "-1,5",    "5,-1",   "!5,5,5"}) {
    std::string e = ErrorOf(ParseIiifSize(bad));
    EXPECT_NE(e.find("Invalid IIIF size"), std::string::npos) << "'" << bad << "': " << e;
  }
  EXPECT_NE(ErrorOf(ParseIiifSize("full")).find("max"), std::string::npos);
  EXPECT_NE(ErrorOf(ParseIiifSize("pct:150")).find("^"), std::string::npos);
}

TEST(IiifParamsTest, RotationsQualitiesFormats) {
  auto r = ParseIiifRotation("!90");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->mirror);
  EXPECT_EQ(r->degrees, 90);
  EXPECT_TRUE(r->IsRightAngle());
  auto a = ParseIiifRotation("22.5");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->IsRightAngle());
  EXPECT_EQ(ParseIiifRotation("360")->degrees, 0);
  for (const char* bad : {"", "!", "-90", "361", "90deg", "1e2", "!!90", "+90", "nan"}) {
    EXPECT_NE(ErrorOf(ParseIiifRotation(bad)).find("Invalid IIIF rotation"), std::string::npos)
        << bad;
  }
  EXPECT_EQ(*ParseIiifQuality("default"), IiifQuality::kDefault);
  EXPECT_EQ(*ParseIiifQuality("color"), IiifQuality::kColor);
  EXPECT_EQ(*ParseIiifQuality("gray"), IiifQuality::kGray);
  EXPECT_EQ(*ParseIiifQuality("bitonal"), IiifQuality::kBitonal);
  for (const char* bad : {"grey", "native", "Default", ""}) {
    EXPECT_NE(ErrorOf(ParseIiifQuality(bad)).find("Invalid IIIF quality"), std::string::npos);
  }
  EXPECT_EQ(*ParseIiifFormat("jpg"), Encoding::kJpeg);
  EXPECT_EQ(*ParseIiifFormat("png"), Encoding::kPng);
  EXPECT_EQ(*ParseIiifFormat("webp"), Encoding::kWebp);
  EXPECT_EQ(*ParseIiifFormat("tif"), Encoding::kTiff);
  for (const char* bad : {"jpeg", "gif", "jp2", "pdf", "tiff", "JPG", ""}) {
    EXPECT_NE(ErrorOf(ParseIiifFormat(bad)).find("Invalid IIIF format"), std::string::npos);
  }
}

TEST(IiifParamsTest, WholeRequestNamesTheFailingPart) {
  auto ok = ParseIiifImageRequest("full", "max", "0", "default.jpg");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->format, Encoding::kJpeg);
  auto gray = ParseIiifImageRequest("square", "^!10,10", "!180", "gray.png");
  ASSERT_TRUE(gray.ok()) << gray.status().ToString();
  EXPECT_EQ(gray->format, Encoding::kPng);
  EXPECT_EQ(gray->quality, IiifQuality::kGray);
  // The last dot separates the format: "gray.tar" is the quality, and it is wrong.
  EXPECT_NE(ErrorOf(ParseIiifImageRequest("full", "max", "0", "gray.tar.png")).find("quality"),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseIiifImageRequest("full", "max", "0", "default")).find("format"),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseIiifImageRequest("x", "max", "0", "default.jpg")).find("region"),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseIiifImageRequest("full", "x", "0", "default.jpg")).find("size"),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseIiifImageRequest("full", "max", "x", "default.jpg")).find("rotation"),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseIiifImageRequest("full", "max", "0", "x.jpg")).find("quality"),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseIiifImageRequest("full", "max", "0", "default.x")).find("format"),
            std::string::npos);
  // Keys tell apart every parameter.
  auto k = [](const char* region, const char* size, const char* rot, const char* qf) {
    return ParseIiifImageRequest(region, size, rot, qf)->Key();
  };
  EXPECT_NE(k("full", "max", "0", "default.jpg"), k("full", "^max", "0", "default.jpg"));
  EXPECT_NE(k("0,0,10,10", "max", "0", "default.jpg"),
            k("pct:0,0,10,10", "max", "0", "default.jpg"));
  EXPECT_NE(k("full", "10,", "0", "default.jpg"), k("full", ",10", "0", "default.jpg"));
  EXPECT_NE(k("full", "max", "0", "default.jpg"), k("full", "max", "!0", "default.jpg"));
  EXPECT_NE(k("full", "max", "0", "default.jpg"), k("full", "max", "0", "color.jpg"));
  EXPECT_NE(k("full", "max", "0", "default.jpg"), k("full", "max", "0", "default.png"));
  EXPECT_EQ(k("full", "max", "360", "default.jpg"), k("full", "max", "0", "default.jpg"));
}

TEST(IiifParamsTest, ResolveRegion) {
  auto r = [](const char* text, int64_t w, int64_t h) {
    return ResolveIiifRegion(*ParseIiifRegion(text), w, h);
  };
  EXPECT_EQ(*r("full", 1000, 600), (Rect{0, 0, 1000, 600}));
  EXPECT_EQ(*r("square", 1000, 600), (Rect{200, 0, 600, 600}));
  EXPECT_EQ(*r("square", 600, 1001), (Rect{0, 200, 600, 600}));
  EXPECT_EQ(*r("113,213,74,74", 1000, 1000), (Rect{113, 213, 74, 74}));
  EXPECT_EQ(*r("900,950,500,500", 1000, 1000), (Rect{900, 950, 100, 50}));  // cropped
  EXPECT_EQ(*r("pct:41,11,9,9", 1000, 1000), (Rect{410, 110, 90, 90}));
  EXPECT_EQ(*r("pct:0,0,100,100", 2220, 2967), (Rect{0, 0, 2220, 2967}));
  EXPECT_EQ(*r("pct:50,50,0.001,80", 100, 100), (Rect{50, 50, 1, 50}));
  EXPECT_NE(ErrorOf(r("1000,0,10,10", 1000, 1000)).find("outside"), std::string::npos);
  EXPECT_NE(ErrorOf(r("0,1000,10,10", 1000, 1000)).find("outside"), std::string::npos);
  EXPECT_NE(ErrorOf(r("pct:99.99,0,10,10", 1000, 1000)).find("outside"), std::string::npos);
}

TEST(IiifParamsTest, ResolveSizeLikeTheSpec) {
  // A parse error (pct:200 without ^ is refused while parsing) or the resolved size.
  auto s = [](const char* text, int64_t w, int64_t h) -> StatusOr<IiifOutputSize> {
    TS_ASSIGN_OR_RETURN(IiifSize size, ParseIiifSize(text));
    return ResolveIiifSize(size, w, h, kLimits);
  };
  auto is = [](const StatusOr<IiifOutputSize>& v, int64_t w, int64_t h) {
    return v.ok() && v->width == w && v->height == h;
  };
  EXPECT_TRUE(is(s("max", 1000, 1000), 1000, 1000));
  EXPECT_TRUE(is(s("600,", 1000, 1000), 600, 600));
  EXPECT_FALSE(s(",600", 1000, 500).ok());
  EXPECT_TRUE(is(s(",250", 1000, 500), 500, 250));
  EXPECT_TRUE(is(s("300,200", 1000, 1000), 300, 200));
  EXPECT_TRUE(is(s("!500,600", 1000, 1000), 500, 500));
  EXPECT_TRUE(is(s("!600,500", 1000, 2000), 250, 500));
  EXPECT_TRUE(is(s("pct:45", 1000, 1000), 450, 450));
  EXPECT_TRUE(is(s("pct:50", 3, 3), 2, 2));
  // Upscaling needs ^ (the validator's size_noup) ...
  for (const char* up : {"1500,1500", ",1500", "1500,", "pct:200", "1001,10"}) {
    EXPECT_NE(ErrorOf(s(up, 1000, 1000)).find("^"), std::string::npos) << up;
  }
  // ... except !w,h, which the 3.0 text caps at the region ("as large as possible but not
  // larger than the extracted region, w or h").
  EXPECT_TRUE(is(s("!2000,3000", 1000, 1000), 1000, 1000));
  // The ^ forms (the validator's size_up).
  EXPECT_TRUE(is(s("^1500,1500", 1000, 1000), 1500, 1500));
  EXPECT_TRUE(is(s("^,1500", 1000, 1000), 1500, 1500));
  EXPECT_TRUE(is(s("^1500,", 1000, 1000), 1500, 1500));
  EXPECT_TRUE(is(s("^pct:200", 1000, 1000), 2000, 2000));
  EXPECT_TRUE(is(s("^!2000,500", 1000, 1000), 500, 500));
  EXPECT_TRUE(is(s("^!2000,3000", 1000, 1000), 2000, 2000));
  EXPECT_TRUE(is(s("^300,", 1000, 1000), 300, 300));  // ^ allows, does not require, upscaling
  // max fits the limits; ^max grows to them.
  EXPECT_TRUE(is(s("max", 100000, 50000), 11585, 5792));
  EXPECT_TRUE(is(s("max", 40000, 1000), 16383, 409));
  EXPECT_TRUE(is(s("^max", 1000, 1000), 8192, 8192));
  EXPECT_TRUE(is(s("^max", 100, 50), 11585, 5792));
  // Beyond the limits: 400 naming them; !w,h shrinks into them instead.
  EXPECT_NE(ErrorOf(s("10000,10000", 100000, 100000)).find("maxArea"), std::string::npos);
  EXPECT_NE(ErrorOf(s("20000,", 100000, 100)).find("maxWidth"), std::string::npos);
  EXPECT_TRUE(is(s("!20000,20000", 100000, 100000), 8192, 8192));
}

TEST(IiifParamsTest, CanonicalPaths) {
  auto canon = [](const char* region, const char* size, const char* rot, const char* qf, int64_t w,
                  int64_t h) {
    auto req = ParseIiifImageRequest(region, size, rot, qf);
    EXPECT_TRUE(req.ok());
    auto rect = ResolveIiifRegion(req->region, w, h);
    auto out = ResolveIiifSize(req->size, rect->width, rect->height, kLimits);
    return IiifCanonicalPath(*req, *rect, *out, w, h, kLimits);
  };
  EXPECT_EQ(canon("full", "max", "0", "default.jpg", 1000, 1000), "full/max/0/default.jpg");
  EXPECT_EQ(canon("square", "max", "0", "default.jpg", 1000, 1000), "full/max/0/default.jpg");
  EXPECT_EQ(canon("square", "500,", "!22.50", "gray.png", 1000, 800),
            "100,0,800,800/500,500/!22.5/gray.png");
  EXPECT_EQ(canon("pct:10,10,10,10", "^pct:200", "90", "bitonal.tif", 1000, 1000),
            "100,100,100,100/^200,200/90/bitonal.tif");
  EXPECT_EQ(canon("full", "1000,", "0", "color.webp", 1000, 1000), "full/max/0/color.webp");
}

TEST(IiifParamsTest, PyramidTiles) {
  // 2220 x 2967, 240 px tiles, levels like large_image (floor halving): 5 levels.
  std::vector<LevelSize> levels = {{138, 185}, {277, 370}, {555, 741}, {1110, 1483}, {2220, 2967}};
  auto match = [&](Rect region, int64_t w, int64_t h) {
    return MatchPyramidTile(region, IiifOutputSize{w, h}, 240, 240, levels);
  };
  auto t = match(Rect{0, 0, 240, 240}, 240, 240);  // scale 1
  ASSERT_TRUE(t);
  EXPECT_EQ(t->level, 4);
  EXPECT_EQ(t->x, 0);
  EXPECT_FALSE(t->edge);
  t = match(Rect{960, 480, 480, 480}, 240, 240);  // scale 2, tile (2, 1) of level 3
  ASSERT_TRUE(t);
  EXPECT_EQ(t->level, 3);
  EXPECT_EQ(t->x, 2);
  EXPECT_EQ(t->y, 1);
  t = match(Rect{1920, 480, 300, 480}, 150, 240);  // scale 2, a right edge tile
  ASSERT_TRUE(t);
  EXPECT_EQ(t->level, 3);
  EXPECT_EQ(t->x, 4);
  EXPECT_EQ(t->y, 1);
  EXPECT_TRUE(t->edge);
  // The bottom edge at scale 2 is ceil(87 / 2) = 44 rows in IIIF, 43 in the level
  // (1483 = floor(2967 / 2)): not the same pixels, so not served as the tile.
  EXPECT_FALSE(match(Rect{1920, 2880, 300, 87}, 150, 44));
  t = match(Rect{0, 0, 2220, 2967}, 139, 186);  // scale 16: ceil(2220/16) = 139 > 138
  EXPECT_FALSE(t);                              // the level is 138 wide: not the same pixels
  EXPECT_FALSE(match(Rect{0, 0, 240, 240}, 120, 120));   // a different size
  EXPECT_FALSE(match(Rect{10, 0, 240, 240}, 240, 240));  // not on the grid
  EXPECT_FALSE(match(Rect{0, 0, 240, 200}, 240, 200));   // not a whole tile
  EXPECT_FALSE(match(Rect{0, 0, 240, 240}, 240, 239));
}

}  // namespace
}  // namespace tessera
