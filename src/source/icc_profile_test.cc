// TileSource::IccProfile of the tiff and vips formats, on files made here with embedded
// profiles (libvips and libtiff write them) and on the shared test images.
#include <gtest/gtest.h>
#include <tiffio.h>

#include <optional>
#include <string>
#include <vector>

#include "imaging/icc.h"
#include "source/tiff_test_util.h"
#include "source/vips_source.h"

namespace tessera {
namespace {

// Non-sRGB profiles from Debian's colord-data (scripts/setup).
constexpr char kProPhoto[] = "/usr/share/color/icc/colord/ProPhotoRGB.icc";
constexpr char kAdobe[] = "/usr/share/color/icc/colord/AdobeRGB1998.icc";

#define REQUIRE_PROFILES()                                                      \
  if (ReadFile(kProPhoto).empty() || ReadFile(kAdobe).empty()) {                \
    GTEST_SKIP() << "ICC profiles " << kProPhoto << " and " << kAdobe           \
                 << " not found (scripts/setup installs Debian's colord-data)"; \
  }

std::unique_ptr<TileSource> OpenVips(const std::string& path) {
  auto s = VipsFormat().open(path, OpenOptions{});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

std::string AsString(const std::optional<Bytes>& b) {
  return b ? std::string(AsStringView(*b)) : std::string("<nullopt>");
}

// The ICCProfile tag of IFD `dir`, read with libtiff.
std::string TagProfile(const std::string& path, int dir) {
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  if (!tif) return "<unreadable>";
  std::string out = "<nullopt>";
  uint32_t count = 0;
  void* data = nullptr;
  if (TIFFSetDirectory(tif, static_cast<tdir_t>(dir)) &&
      TIFFGetField(tif, TIFFTAG_ICCPROFILE, &count, &data) && data) {
    out.assign(static_cast<const char*>(data), count);
  }
  TIFFClose(tif);
  return out;
}

// A tiled 64x64 RGB TIFF of one IFD per entry of `profiles` (frames), each with that ICC
// profile ("" for none), written with libtiff.
void WriteFrames(const std::string& path, const std::vector<std::string>& profiles) {
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  ASSERT_TRUE(tif);
  std::vector<uint8_t> tile(64 * 64 * 3);
  for (size_t f = 0; f < profiles.size(); ++f) {
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 64);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 64);
    TIFFSetField(tif, TIFFTAG_TILEWIDTH, 64);
    TIFFSetField(tif, TIFFTAG_TILELENGTH, 64);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
    if (!profiles[f].empty()) {
      TIFFSetField(tif, TIFFTAG_ICCPROFILE, static_cast<uint32_t>(profiles[f].size()),
                   profiles[f].data());
    }
    std::fill(tile.begin(), tile.end(), static_cast<uint8_t>(40 * f));
    ASSERT_GE(TIFFWriteEncodedTile(tif, 0, tile.data(), static_cast<tmsize_t>(tile.size())), 0);
    ASSERT_TRUE(TIFFWriteDirectory(tif));
  }
  TIFFClose(tif);
}

TEST(IccProfileTest, TiffPyramidWrittenByLibvips) {
  REQUIRE_TOOLS("vips");
  REQUIRE_PROFILES();
  TempDir dir;
  const std::string rgb = MakeRgb(dir.path(), 300, 200);
  const std::string path = dir.path() + "/prophoto.tif";
  ASSERT_TRUE(
      Sh("vips copy " + Q(rgb) + " " +
         Q(path + "[tile,pyramid,tile-width=64,tile-height=64,profile=" + kProPhoto + "]")));
  auto s = Open(path);
  ASSERT_TRUE(s);
  const std::string want = ReadFile(kProPhoto);
  EXPECT_EQ(TagProfile(path, 0), want);  // libvips embedded the file as it is
  EXPECT_EQ(AsString(s->IccProfile(0)), want);
  EXPECT_FALSE(s->IccProfile(1).has_value());  // no such frame
  EXPECT_FALSE(s->IccProfile(-1).has_value());

  // The embedded profile applied to a tile, against libvips converting the file with it.
  auto t = IccTransform::ToSrgb(*s->IccProfile(0), IccIntent::kPerceptual);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto tile = s->ReadTile(0, s->metadata().levels - 1, 1, 1);
  ASSERT_TRUE(tile.ok()) << tile.status().ToString();
  auto ours = (*t)->Apply(*tile);
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();
  const std::string srgb = dir.path() + "/srgb.v";
  ASSERT_TRUE(Sh("vips icc_transform " + Q(path) + " " + Q(srgb) + " srgb --embedded"));
  auto ref = VipsLoad(srgb);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  Diff d = CompareImages(*ours, ref->Crop(Rect{64, 64, 64, 64}), 64, 64, 3);
  EXPECT_LE(d.max_abs, 2);
  EXPECT_GT(CompareImages(*ours, *tile, 64, 64, 3).mean_abs, 2);  // the profile mattered
}

TEST(IccProfileTest, TiffFramesKeepTheirOwnProfiles) {
  REQUIRE_PROFILES();
  TempDir dir;
  const std::string adobe = ReadFile(kAdobe), prophoto = ReadFile(kProPhoto);
  const std::string path = dir.path() + "/frames.tif";
  WriteFrames(path, {adobe, "", prophoto});
  auto s = Open(path);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->metadata().frame_count, 3);
  EXPECT_EQ(AsString(s->IccProfile(0)), adobe);
  EXPECT_FALSE(s->IccProfile(1).has_value());  // its own: none
  EXPECT_EQ(AsString(s->IccProfile(2)), prophoto);

  // large_image: frames past the last tagged one use the first frame's profile.
  const std::string first_only = dir.path() + "/first.tif";
  WriteFrames(first_only, {adobe, "", ""});
  auto f = Open(first_only);
  ASSERT_TRUE(f);
  ASSERT_EQ(f->metadata().frame_count, 3);
  for (int frame = 0; frame < 3; ++frame) EXPECT_EQ(AsString(f->IccProfile(frame)), adobe);
  EXPECT_FALSE(f->IccProfile(3).has_value());
}

TEST(IccProfileTest, PngAndJpegThroughLibvips) {
  REQUIRE_TOOLS("vips");
  REQUIRE_PROFILES();
  TempDir dir;
  const std::string rgb = MakeRgb(dir.path(), 90, 70);
  const std::string want = ReadFile(kAdobe);
  for (const char* ext : {".png", ".jpg"}) {
    const std::string path = dir.path() + "/adobe" + ext;
    ASSERT_TRUE(Sh("vips copy " + Q(rgb) + " " + Q(path + "[profile=" + kAdobe + "]")));
    auto s = OpenVips(path);
    ASSERT_TRUE(s);
    EXPECT_EQ(AsString(s->IccProfile(0)), want) << ext;
    EXPECT_FALSE(s->IccProfile(1).has_value());
    EXPECT_EQ(Property(*s, "tessera.iccProfile"), "true");

    const std::string plain = dir.path() + "/plain" + ext;
    ASSERT_TRUE(Sh("vips copy " + Q(rgb) + " " + Q(plain + "[strip]")));
    auto p = OpenVips(plain);
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->IccProfile(0).has_value()) << ext;
  }
}

TEST(IccProfileTest, SharedTestImages) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  TS_REQUIRE_TESTDATA(boxes, "boxes.tiff");
  TS_REQUIRE_TESTDATA(jpg, "sample.jpg");
  TS_REQUIRE_TESTDATA(png, "test_RGBA_16.png");
  auto s = Open(svs);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->IccProfile(0).has_value());
  // boxes.tiff does carry a profile (588 bytes in every IFD).
  auto b = Open(boxes);
  ASSERT_TRUE(b);
  const std::string tag = TagProfile(boxes, 0);
  ASSERT_EQ(tag.size(), 588u);
  EXPECT_EQ(AsString(b->IccProfile(0)), tag);
  auto p = OpenVips(png);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->IccProfile(0).has_value());
  // sample.jpg carries a 564-byte profile in one APP2 "ICC_PROFILE" segment: read it here.
  const std::string file = ReadFile(jpg);
  const size_t at = file.find(std::string("ICC_PROFILE\0", 12));
  ASSERT_NE(at, std::string::npos);
  ASSERT_GE(at, 4u);
  const size_t length =
      static_cast<uint8_t>(file[at - 2]) * 256 + static_cast<uint8_t>(file[at - 1]);
  const std::string segment = file.substr(at + 14, length - 2 - 14);  // after seq no and count
  EXPECT_EQ(segment.size(), 564u);
  auto j = OpenVips(jpg);
  ASSERT_TRUE(j);
  EXPECT_EQ(AsString(j->IccProfile(0)), segment);
}

}  // namespace
}  // namespace tessera
