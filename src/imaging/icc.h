// ICC colour management for the style language's `icc` key (large_image's _applyICCProfile):
// a transform from a source's embedded ICC profile (TileSource::IccProfile) to sRGB, with
// lcms2 — as PIL.ImageCms does for large_image (lcms2's built-in sRGB, no black point
// compensation).
//
// Thread-safety: an IccTransform is immutable after creation and Apply is safe to call
// concurrently (every lcms2 transform is built up front, without lcms2's one-pixel cache). Each
// IccTransform has its own lcms2 context, so lcms2's errors are reported per handle, never
// through a process-global handler.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/image.h"
#include "core/status.h"

namespace tessera {

enum class IccIntent { kPerceptual, kRelative, kSaturation, kAbsolute };

// Parses "perceptual", "relative" / "relative_colorimetric", "saturation", "absolute" /
// "absolute_colorimetric" (PIL ImageCms.Intent names, case-insensitive). InvalidArgument
// otherwise.
StatusOr<IccIntent> ParseIccIntent(std::string_view name);

// A transform from an embedded ICC profile to sRGB (lcms2's built-in sRGB), for 8-bit and 16-bit
// grey/RGB images with or without alpha (alpha passes unchanged). A grey profile maps grey to
// grey: to a grey profile with sRGB's tone curve and D50 white, i.e. the value R = G = B of the
// sRGB result.
class IccTransform {
 public:
  // Errors: DataLoss when lcms2 cannot read the profile; Unsupported for profiles that are not
  // grey or RGB device profiles (CMYK, Lab, device links, ...).
  static StatusOr<std::shared_ptr<const IccTransform>> ToSrgb(const Bytes& profile,
                                                              IccIntent intent);

  // The image in sRGB: same size, band count and sample type. Bands: 1 grey, 2 grey + alpha,
  // 3 RGB, 4 RGBA, matching the profile's colour space; samples uint8 or uint16. Unsupported
  // otherwise (a grey image with an RGB profile, float samples, 5 bands, ...).
  StatusOr<Image> Apply(const Image& img) const;

  // True for a grey profile (Apply takes 1 or 2 bands), false for RGB (3 or 4 bands).
  bool grey() const { return grey_; }
  IccIntent intent() const { return intent_; }
  // The profile's description tag (e.g. "ProPhoto RGB"), or "" when it has none.
  const std::string& description() const { return description_; }

  ~IccTransform();
  IccTransform(const IccTransform&) = delete;
  IccTransform& operator=(const IccTransform&) = delete;

  struct Handles;  // lcms2 context and transforms (icc.cc)

 private:
  IccTransform(std::unique_ptr<Handles> handles, bool grey, IccIntent intent,
               std::string description);

  std::unique_ptr<Handles> handles_;
  bool grey_ = false;
  IccIntent intent_ = IccIntent::kPerceptual;
  std::string description_;
};

}  // namespace tessera
