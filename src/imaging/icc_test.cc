#include "imaging/icc.h"

#include <gtest/gtest.h>
#include <lcms2.h>
#include <vips/vips.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "imaging/vips_glue.h"
#include "testing/images.h"
#include "testing/reference.h"

namespace tessera {
namespace {

// Non-sRGB profiles from Debian's colord-data and icc-profiles-free (scripts/setup).
constexpr char kProPhoto[] = "/usr/share/color/icc/colord/ProPhotoRGB.icc";
constexpr char kAdobe[] = "/usr/share/color/icc/colord/AdobeRGB1998.icc";
constexpr char kGrey[] = "/usr/share/color/icc/Gray.icc";

std::optional<Bytes> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ToBytes(s);
}

#define REQUIRE_PROFILE(var, path)                                 \
  std::optional<Bytes> var = ReadFile(path);                       \
  if (!var) {                                                      \
    GTEST_SKIP() << "ICC profile " << (path)                       \
                 << " not found (scripts/setup installs Debian's " \
                    "colord-data and icc-profiles-free)";          \
  }

// libvips' own conversion of the same pixels: the profile file as the input profile, libvips'
// built-in sRGB as the output, at the image's depth. Grey images come back as sRGB (R = G = B).
StatusOr<Image> VipsToSrgb(const Image& img, const char* profile, VipsIntent intent) {
  TS_RETURN_IF_ERROR(InitVips());
  TS_ASSIGN_OR_RETURN(VipsImagePtr in, WrapImage(img));
  const bool u16 = img.type() == PixelType::kU16;
  const bool grey = img.bands() <= 2;
  VipsInterpretation interpretation =
      grey ? (u16 ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_B_W)
           : (u16 ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB);
  VipsImage* tagged = nullptr;
  if (vips_copy(in.get(), &tagged, "interpretation", interpretation, nullptr) != 0) {
    return VipsFailure("vips_copy");
  }
  VipsImagePtr tagged_ptr(tagged);
  VipsImage* out = nullptr;
  if (vips_icc_transform(tagged, &out, "srgb", "input_profile", profile, "intent", intent, "depth",
                         u16 ? 16 : 8, nullptr) != 0) {
    return VipsFailure("vips_icc_transform");
  }
  VipsImagePtr result(out);
  return ImageFromVips(result.get(), img.type(), "icc_transform");
}

Image Alpha(const Image& img) {
  Image out(img.width(), img.height(), 1, img.type());
  const size_t s = img.sample_bytes();
  for (int y = 0; y < img.height(); ++y) {
    for (int x = 0; x < img.width(); ++x) {
      std::memcpy(out.row(y) + x * s, img.row(y) + (x * img.bands() + img.bands() - 1) * s, s);
    }
  }
  return out;
}

void ExpectMatchesVips(const Image& img, const Bytes& profile, const char* path, IccIntent intent,
                       VipsIntent vips_intent, double tolerance) {
  auto t = IccTransform::ToSrgb(profile, intent);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto ours = (*t)->Apply(img);
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();
  ASSERT_EQ(ours->width(), img.width());
  ASSERT_EQ(ours->height(), img.height());
  ASSERT_EQ(ours->bands(), img.bands());
  ASSERT_EQ(ours->type(), img.type());
  auto ref = VipsToSrgb(img, path, vips_intent);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  const int colour_bands = img.bands() >= 3 ? 3 : 1;
  Diff d = CompareImages(*ours, *ref, img.width(), img.height(), colour_bands);
  EXPECT_LE(d.max_abs, tolerance) << path << " " << img.bands() << " bands, mean " << d.mean_abs;
  // The conversion changes the colours (the profiles are far from sRGB)...
  Diff moved =
      CompareImages(*ours, KeepBands(img, colour_bands), img.width(), img.height(), colour_bands);
  EXPECT_GT(moved.mean_abs, tolerance) << path;
  // ... and leaves alpha as it was.
  if (img.bands() == 2 || img.bands() == 4) {
    EXPECT_TRUE(Alpha(*ours) == Alpha(img));
  }
}

TEST(IccTest, ParseIntent) {
  EXPECT_EQ(*ParseIccIntent("perceptual"), IccIntent::kPerceptual);
  EXPECT_EQ(*ParseIccIntent("PERCEPTUAL"), IccIntent::kPerceptual);
  EXPECT_EQ(*ParseIccIntent("relative"), IccIntent::kRelative);
  EXPECT_EQ(*ParseIccIntent("Relative_Colorimetric"), IccIntent::kRelative);
  EXPECT_EQ(*ParseIccIntent("saturation"), IccIntent::kSaturation);
  EXPECT_EQ(*ParseIccIntent("absolute"), IccIntent::kAbsolute);
  EXPECT_EQ(*ParseIccIntent("ABSOLUTE_COLORIMETRIC"), IccIntent::kAbsolute);
  auto bad = ParseIccIntent("vivid");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("vivid"), std::string::npos);
}

TEST(IccTest, U8RgbMatchesLibvips) {
  REQUIRE_PROFILE(prophoto, kProPhoto);
  REQUIRE_PROFILE(adobe, kAdobe);
  const Image noise = Noise(64, 48, 3, PixelType::kU8, 7);
  ExpectMatchesVips(noise, *prophoto, kProPhoto, IccIntent::kRelative, VIPS_INTENT_RELATIVE, 2);
  ExpectMatchesVips(noise, *prophoto, kProPhoto, IccIntent::kPerceptual, VIPS_INTENT_PERCEPTUAL, 2);
  ExpectMatchesVips(Smooth(80, 40, 3), *adobe, kAdobe, IccIntent::kRelative, VIPS_INTENT_RELATIVE,
                    2);
}

TEST(IccTest, U8RgbaMatchesLibvipsAndKeepsAlpha) {
  REQUIRE_PROFILE(prophoto, kProPhoto);
  ExpectMatchesVips(Noise(50, 30, 4, PixelType::kU8, 3), *prophoto, kProPhoto,
                    IccIntent::kPerceptual, VIPS_INTENT_PERCEPTUAL, 2);
}

TEST(IccTest, U16RgbMatchesLibvips) {
  REQUIRE_PROFILE(prophoto, kProPhoto);
  // Within 2 levels of 8 bits.
  ExpectMatchesVips(Noise(40, 40, 3, PixelType::kU16, 5), *prophoto, kProPhoto,
                    IccIntent::kRelative, VIPS_INTENT_RELATIVE, 2 * 257);
  ExpectMatchesVips(Noise(40, 40, 4, PixelType::kU16, 9), *prophoto, kProPhoto,
                    IccIntent::kPerceptual, VIPS_INTENT_PERCEPTUAL, 2 * 257);
}

TEST(IccTest, GreyProfileMapsGreyToGrey) {
  REQUIRE_PROFILE(grey, kGrey);
  auto t = IccTransform::ToSrgb(*grey, IccIntent::kPerceptual);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE((*t)->grey());
  ExpectMatchesVips(Noise(40, 20, 1, PixelType::kU8, 2), *grey, kGrey, IccIntent::kPerceptual,
                    VIPS_INTENT_PERCEPTUAL, 2);
  ExpectMatchesVips(Noise(40, 20, 2, PixelType::kU8, 4), *grey, kGrey, IccIntent::kPerceptual,
                    VIPS_INTENT_PERCEPTUAL, 2);
  auto rgb = (*t)->Apply(Noise(8, 8, 3, PixelType::kU8));
  EXPECT_EQ(rgb.status().code(), StatusCode::kUnsupported);
}

TEST(IccTest, UnsupportedImagesAndProfiles) {
  REQUIRE_PROFILE(prophoto, kProPhoto);
  auto t = IccTransform::ToSrgb(*prophoto, IccIntent::kPerceptual);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_FALSE((*t)->grey());
  EXPECT_NE((*t)->description().find("ProPhoto"), std::string::npos) << (*t)->description();
  for (const Image& img : {Noise(8, 8, 1, PixelType::kU8), Noise(8, 8, 2, PixelType::kU16),
                           Noise(8, 8, 3, PixelType::kF32), Noise(8, 8, 3, PixelType::kI16),
                           Noise(8, 8, 5, PixelType::kU8)}) {
    auto r = (*t)->Apply(img);
    EXPECT_EQ(r.status().code(), StatusCode::kUnsupported) << img.bands();
    EXPECT_FALSE(r.status().message().empty());
  }
  EXPECT_EQ((*t)->Apply(Image(0, 0, 3, PixelType::kU8))->width(), 0);

  auto garbage =
      IccTransform::ToSrgb(ToBytes("not an ICC profile at all, really"), IccIntent::kPerceptual);
  EXPECT_EQ(garbage.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(IccTransform::ToSrgb(Bytes(), IccIntent::kPerceptual).status().code(),
            StatusCode::kDataLoss);

  // A Lab profile (made here with lcms2) is neither grey nor RGB.
  cmsHPROFILE lab = cmsCreateLab4Profile(nullptr);
  cmsUInt32Number size = 0;
  ASSERT_TRUE(cmsSaveProfileToMem(lab, nullptr, &size));
  Bytes lab_bytes(size);
  ASSERT_TRUE(cmsSaveProfileToMem(lab, lab_bytes.data(), &size));
  cmsCloseProfile(lab);
  auto lab_t = IccTransform::ToSrgb(lab_bytes, IccIntent::kPerceptual);
  EXPECT_EQ(lab_t.status().code(), StatusCode::kUnsupported) << lab_t.status().ToString();
}

TEST(IccTest, ApplyIsSafeFromManyThreads) {
  REQUIRE_PROFILE(prophoto, kProPhoto);
  auto t = IccTransform::ToSrgb(*prophoto, IccIntent::kPerceptual);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const Image img = Noise(128, 128, 3, PixelType::kU8, 11);
  auto want = (*t)->Apply(img);
  ASSERT_TRUE(want.ok());
  std::vector<std::thread> threads;
  std::vector<int> same(4, 0);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 20; ++k) {
        auto got = (*t)->Apply(img);
        same[i] += got.ok() && *got == *want;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int n : same) EXPECT_EQ(n, 20);
}

}  // namespace
}  // namespace tessera
