// Unit tests of the tiff format's pure parts: orientation mapping and description parsing.
#include "source/tiff_test_util.h"

namespace tessera {
namespace {

// ---- pure helpers -----------------------------------------------------------------------------

TEST(TiffOrientationTest, StoredRectsRoundTrip) {
  // A 5x3 stored image; each displayed pixel must come from the stored pixel the rect names.
  Image stored(5, 3, 1, PixelType::kU8);
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 5; ++x) stored.row(y)[x] = static_cast<uint8_t>(y * 5 + x);
  }
  for (int o = 1; o <= 8; ++o) {
    Image shown = OrientImage(o, stored);
    const bool swap = OrientationSwapsAxes(o);
    ASSERT_EQ(shown.width(), swap ? 3 : 5);
    for (int y = 0; y < shown.height(); ++y) {
      for (int x = 0; x < shown.width(); ++x) {
        Rect r = StoredRectForDisplayed(o, Rect{x, y, 1, 1}, shown.width(), shown.height());
        ASSERT_EQ(r.width, 1);
        EXPECT_EQ(shown.row(y)[x], stored.row(static_cast<int>(r.y))[r.x]) << o;
      }
    }
  }
}

TEST(OmeMetadataTest, TiffDataPlanesAndUnits) {
  auto ome = ParseOmeXml(
      "<OME><Image><Pixels DimensionOrder=\"XYCZT\" SizeC=\"2\" SizeZ=\"3\" SizeT=\"1\" "
      "PhysicalSizeX=\"1.5\" PhysicalSizeXUnit=\"mm\"><Channel Name=\"a\"/><Channel Name=\"b\"/>"
      "<TiffData IFD=\"4\" FirstZ=\"1\" PlaneCount=\"4\"/><TiffData IFD=\"0\" PlaneCount=\"2\"/>"
      "</Pixels></Image></OME>");
  ASSERT_TRUE(ome);
  ASSERT_EQ(ome->planes.size(), 6u);
  EXPECT_EQ(ome->planes[0].ifd, 4);
  EXPECT_EQ(ome->planes[0].z, 1);
  EXPECT_EQ(ome->planes[1].c, 1);
  EXPECT_EQ(ome->planes[4].ifd, 0);
  EXPECT_EQ(ome->axes, (std::vector<std::string>{"C", "Z"}));
  EXPECT_EQ(ome->channel_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_DOUBLE_EQ(*ome->mm_x, 1.5);
  EXPECT_FALSE(ome->mm_y);
  EXPECT_FALSE(
      ParseOmeXml("<OME><Image><Pixels SizeC=\"2\"><TiffData IFD=\"0\"/></Pixels>"
                  "</Image></OME>"));  // one plane of two
  EXPECT_FALSE(ParseOmeXml("Aperio Image Library"));
}

TEST(OmeMetadataTest, AperioAndAssociatedNames) {
  auto a = ParseAperioDescription("Aperio Image Library v1\nx|AppMag = 40|MPP = 0.25|Date = 1");
  ASSERT_TRUE(a);
  EXPECT_DOUBLE_EQ(*a->magnification, 40);
  EXPECT_DOUBLE_EQ(*a->mm_per_pixel, 0.00025);
  EXPECT_EQ(a->pairs.size(), 3u);
  EXPECT_EQ(AssociatedImageName("Aperio Image Library v11\nlabel 387x463", 0), "label");
  EXPECT_EQ(AssociatedImageName("macro", 0), "macro");
  EXPECT_EQ(AssociatedImageName("", 1), "label");
  EXPECT_EQ(AssociatedImageName("", 9), "macro");
  EXPECT_EQ(AssociatedImageName("a-b c", 0), "");
  EXPECT_EQ(AssociatedImageName("abc", 0), "");
}

}  // namespace
}  // namespace tessera
