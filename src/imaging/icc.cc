#include "imaging/icc.h"

#include <lcms2.h>

#include <array>
#include <cstdint>
#include <mutex>

#include "core/strings.h"
#include "core/thread_annotations.h"

namespace tessera {

// What lcms2 owns for one IccTransform: its own context (whose error handler writes into
// `errors`) and the transforms, indexed by Slot().
struct IccTransform::Handles {
  ~Handles() {
    for (cmsHTRANSFORM t : transforms) {
      if (t) cmsDeleteTransform(t);
    }
    if (context) cmsDeleteContext(context);
  }
  std::string TakeErrors() {
    std::lock_guard<std::mutex> lock(mu);
    std::string out = errors.empty() ? "no details from lcms2" : std::move(errors);
    errors.clear();
    return out;
  }

  std::mutex mu;
  std::string errors GUARDED_BY(mu);
  cmsContext context = nullptr;
  std::array<cmsHTRANSFORM, 4> transforms{};
};

namespace {

void OnLcmsError(cmsContext context, cmsUInt32Number, const char* text) {
  auto* handles = static_cast<IccTransform::Handles*>(cmsGetContextUserData(context));
  if (!handles || !text) return;
  std::lock_guard<std::mutex> lock(handles->mu);
  if (!handles->errors.empty()) handles->errors += "; ";
  handles->errors += text;
}

struct ProfileCloser {
  void operator()(void* profile) const {
    if (profile) cmsCloseProfile(profile);
  }
};
using ProfilePtr = std::unique_ptr<void, ProfileCloser>;  // a cmsHPROFILE

size_t Slot(bool u16, bool alpha) { return (u16 ? 2 : 0) + (alpha ? 1 : 0); }

cmsUInt32Number Format(bool grey, bool u16, bool alpha) {
  if (grey) {
    return u16 ? (alpha ? TYPE_GRAYA_16 : TYPE_GRAY_16) : (alpha ? TYPE_GRAYA_8 : TYPE_GRAY_8);
  }
  return u16 ? (alpha ? TYPE_RGBA_16 : TYPE_RGB_16) : (alpha ? TYPE_RGBA_8 : TYPE_RGB_8);
}

cmsUInt32Number LcmsIntent(IccIntent intent) {
  switch (intent) {
    case IccIntent::kPerceptual:
      break;
    case IccIntent::kRelative:
      return INTENT_RELATIVE_COLORIMETRIC;
    case IccIntent::kSaturation:
      return INTENT_SATURATION;
    case IccIntent::kAbsolute:
      return INTENT_ABSOLUTE_COLORIMETRIC;
  }
  return INTENT_PERCEPTUAL;
}

// "RGB ", "CMYK", "Lab ": an ICC signature as its four characters.
std::string SignatureText(uint32_t sig) {
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const char c = static_cast<char>((sig >> shift) & 0xff);
    s += (c >= 32 && c < 127) ? c : '?';
  }
  return std::string(Trim(s));
}

}  // namespace

StatusOr<IccIntent> ParseIccIntent(std::string_view name) {
  const std::string n = ToLower(Trim(name));
  if (n == "perceptual") return IccIntent::kPerceptual;
  if (n == "relative" || n == "relative_colorimetric") return IccIntent::kRelative;
  if (n == "saturation") return IccIntent::kSaturation;
  if (n == "absolute" || n == "absolute_colorimetric") return IccIntent::kAbsolute;
  return InvalidArgumentError("unknown ICC rendering intent '" + std::string(name) +
                              "': use perceptual, relative_colorimetric, saturation or "
                              "absolute_colorimetric");
}

IccTransform::IccTransform(std::unique_ptr<Handles> handles, bool grey, IccIntent intent,
                           std::string description)
    : handles_(std::move(handles)),
      grey_(grey),
      intent_(intent),
      description_(std::move(description)) {}

IccTransform::~IccTransform() = default;

StatusOr<std::shared_ptr<const IccTransform>> IccTransform::ToSrgb(const Bytes& profile,
                                                                   IccIntent intent) {
  auto handles = std::make_unique<Handles>();
  handles->context = cmsCreateContext(nullptr, handles.get());
  if (!handles->context) return InternalError("lcms2 cannot create a context");
  cmsSetLogErrorHandlerTHR(handles->context, OnLcmsError);
  cmsContext ctx = handles->context;
  if (profile.empty() || profile.size() > UINT32_MAX) {
    return DataLossError("the ICC profile is empty or too large");
  }
  ProfilePtr in(
      cmsOpenProfileFromMemTHR(ctx, profile.data(), static_cast<cmsUInt32Number>(profile.size())));
  if (!in) return DataLossError("the ICC profile is corrupt: " + handles->TakeErrors());

  const cmsProfileClassSignature cls = cmsGetDeviceClass(in.get());
  if (cls == cmsSigLinkClass || cls == cmsSigAbstractClass || cls == cmsSigNamedColorClass) {
    return UnsupportedError("ICC profiles of class '" + SignatureText(cls) +
                            "' cannot be converted to sRGB (only grey and RGB device profiles)");
  }
  const cmsColorSpaceSignature space = cmsGetColorSpace(in.get());
  const bool grey = space == cmsSigGrayData;
  if (!grey && space != cmsSigRgbData) {
    return UnsupportedError("ICC profiles of colour space '" + SignatureText(space) +
                            "' are not supported (only grey and RGB)");
  }

  ProfilePtr out;
  if (grey) {
    // sRGB's tone curve: IEC 61966-2-1 as an ICC parametric curve of type 4.
    const cmsFloat64Number srgb[5] = {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045};
    cmsToneCurve* curve = cmsBuildParametricToneCurve(ctx, 4, srgb);
    if (curve) {
      out.reset(cmsCreateGrayProfileTHR(ctx, cmsD50_xyY(), curve));
      cmsFreeToneCurve(curve);
    }
  } else {
    out.reset(cmsCreate_sRGBProfileTHR(ctx));
  }
  if (!out) return InternalError("lcms2 cannot create the sRGB profile: " + handles->TakeErrors());

  for (bool u16 : {false, true}) {
    for (bool alpha : {false, true}) {
      const cmsUInt32Number format = Format(grey, u16, alpha);
      const cmsUInt32Number flags = cmsFLAGS_NOCACHE | (alpha ? cmsFLAGS_COPY_ALPHA : 0);
      cmsHTRANSFORM t = cmsCreateTransformTHR(ctx, in.get(), format, out.get(), format,
                                              LcmsIntent(intent), flags);
      if (!t) {
        return UnsupportedError("lcms2 cannot build a transform from this ICC profile to sRGB: " +
                                handles->TakeErrors());
      }
      handles->transforms[Slot(u16, alpha)] = t;
    }
  }

  std::string description;
  char text[256] = "";
  if (cmsGetProfileInfoASCII(in.get(), cmsInfoDescription, "en", "US", text, sizeof text) > 0) {
    description = std::string(Trim(text));
  }
  return std::shared_ptr<const IccTransform>(
      new IccTransform(std::move(handles), grey, intent, std::move(description)));
}

StatusOr<Image> IccTransform::Apply(const Image& img) const {
  if (img.type() != PixelType::kU8 && img.type() != PixelType::kU16) {
    return UnsupportedError("ICC profiles are applied to uint8 or uint16 samples, not " +
                            std::string(PixelTypeName(img.type())));
  }
  const int bands = img.bands();
  if (bands < 1 || bands > 4) {
    return UnsupportedError("ICC profiles are applied to 1 to 4 bands, not " +
                            std::to_string(bands));
  }
  if (grey_ != (bands <= 2)) {
    return UnsupportedError(grey_ ? "a grey ICC profile cannot convert an image of " +
                                        std::to_string(bands) + " bands"
                                  : "an RGB ICC profile cannot convert a grey image");
  }
  if (img.empty()) return img.Clone();
  const bool alpha = bands == 2 || bands == 4;
  cmsHTRANSFORM t = handles_->transforms[Slot(img.type() == PixelType::kU16, alpha)];
  Image out = Image::Uninitialized(img.width(), img.height(), bands, img.type());
  const auto row_bytes = static_cast<cmsUInt32Number>(img.row_bytes());
  cmsDoTransformLineStride(t, img.data(), out.data(), static_cast<cmsUInt32Number>(img.width()),
                           static_cast<cmsUInt32Number>(img.height()), row_bytes, row_bytes, 0, 0);
  return out;
}

}  // namespace tessera
