// libvips glue shared by the resampler (imaging/resample.cc) and the flat-image source
// (source/vips_source.cc): one initialization, error text, ownership, sample-type mapping.
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

}  // namespace tessera
