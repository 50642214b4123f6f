// libvips glue shared by the resampler (imaging/resample.cc), the rotations
// (imaging/transform.cc) and the flat-image source (source/vips_source.cc): one
// initialization, error text, ownership, sample-type mapping, and the way in and out of a
// pipeline.
// Thread-safety: InitVips is safe from any thread (runs once); the rest are pure helpers.
#pragma once

#include <vips/vips.h>

#include <memory>
#include <string>

#include "core/image.h"
#include "core/status.h"

namespace tessera {

// Initializes libvips once per process. Its operation cache is switched off: Tessera caches
// tiles itself, and cached pipeline stages would keep decoders and line buffers alive.
const Status& InitVips();

// The libvips error text of the call that just failed (libvips keeps one buffer per process:
// take it right after the call), cleared, on one line.
std::string TakeVipsError();

struct GObjectUnref {
  void operator()(gpointer p) const {
    if (p) g_object_unref(p);
  }
};
using VipsImagePtr = std::unique_ptr<VipsImage, GObjectUnref>;

VipsBandFormat VipsFormatOf(PixelType type);
// Unsupported for complex formats.
StatusOr<PixelType> PixelTypeOfVips(VipsBandFormat format);

// The Status of the libvips call `what` that just failed, with libvips' error text.
Status VipsFailure(const char* what);

// A libvips image over the pixels of `img`, without a copy: `img` must outlive every use of
// the pipeline built on it.
StatusOr<VipsImagePtr> WrapImage(const Image& img);

// Casts `image` to `format` when it has another, rounding to nearest first when going from
// floating point to integers (vips_cast truncates).
Status CastToFormat(VipsImagePtr& image, VipsBandFormat format);

// Runs the pipeline and copies its pixels into an Image of `type` (the image's band format
// must be `type`'s); `what` names the operation in errors.
StatusOr<Image> ImageFromVips(VipsImage* image, PixelType type, const char* what);

}  // namespace tessera
