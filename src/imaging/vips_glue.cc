#include "imaging/vips_glue.h"

#include <cstring>

namespace tessera {

const Status& InitVips() {
  static const Status status = [] {  // computed once, never changed afterwards
    if (VIPS_INIT("tessera") == 0) {
      vips_cache_set_max(0);
      return Status::Ok();
    }
    return InternalError("libvips failed to initialize: " + TakeVipsError());
  }();
  return status;
}

std::string TakeVipsError() {
  char* e = vips_error_buffer_copy();
  std::string s = e ? e : "";
  g_free(e);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s) {
    if (c == '\n') c = ';';
  }
  return s.empty() ? "unknown libvips error" : s;
}

VipsBandFormat VipsFormatOf(PixelType type) {
  switch (type) {
    case PixelType::kU8:
      return VIPS_FORMAT_UCHAR;
    case PixelType::kI8:
      return VIPS_FORMAT_CHAR;
    case PixelType::kU16:
      return VIPS_FORMAT_USHORT;
    case PixelType::kI16:
      return VIPS_FORMAT_SHORT;
    case PixelType::kU32:
      return VIPS_FORMAT_UINT;
    case PixelType::kI32:
      return VIPS_FORMAT_INT;
    case PixelType::kF32:
      return VIPS_FORMAT_FLOAT;
    case PixelType::kF64:
      return VIPS_FORMAT_DOUBLE;
  }
  return VIPS_FORMAT_UCHAR;
}

StatusOr<PixelType> PixelTypeOfVips(VipsBandFormat format) {
  switch (format) {
    case VIPS_FORMAT_UCHAR:
      return PixelType::kU8;
    case VIPS_FORMAT_CHAR:
      return PixelType::kI8;
    case VIPS_FORMAT_USHORT:
      return PixelType::kU16;
    case VIPS_FORMAT_SHORT:
      return PixelType::kI16;
    case VIPS_FORMAT_UINT:
      return PixelType::kU32;
    case VIPS_FORMAT_INT:
      return PixelType::kI32;
    case VIPS_FORMAT_FLOAT:
      return PixelType::kF32;
    case VIPS_FORMAT_DOUBLE:
      return PixelType::kF64;
    default:
      return UnsupportedError("complex samples are not supported");
  }
}

Status VipsFailure(const char* what) {
  return InternalError(std::string(what) + " failed: " + TakeVipsError());
}

StatusOr<VipsImagePtr> WrapImage(const Image& img) {
  VipsImagePtr image(vips_image_new_from_memory(img.data(), img.byte_size(), img.width(),
                                                img.height(), img.bands(),
                                                VipsFormatOf(img.type())));
  if (!image) return VipsFailure("vips_image_new_from_memory");
  return image;
}

Status CastToFormat(VipsImagePtr& image, VipsBandFormat format) {
  if (vips_image_get_format(image.get()) == format) return Status::Ok();
  VipsImage* next = nullptr;
  if (!vips_band_format_isfloat(format) &&
      vips_band_format_isfloat(vips_image_get_format(image.get()))) {
    if (vips_rint(image.get(), &next, nullptr) != 0) return VipsFailure("vips_rint");
    image.reset(next);
  }
  if (vips_cast(image.get(), &next, format, nullptr) != 0) return VipsFailure("vips_cast");
  image.reset(next);
  return Status::Ok();
}

StatusOr<Image> ImageFromVips(VipsImage* image, PixelType type, const char* what) {
  size_t size = 0;
  std::unique_ptr<void, decltype(&g_free)> pixels(vips_image_write_to_memory(image, &size),
                                                  &g_free);
  if (!pixels) return VipsFailure("vips_image_write_to_memory");
  Image out = Image::Uninitialized(vips_image_get_width(image), vips_image_get_height(image),
                                   vips_image_get_bands(image), type);
  if (vips_image_get_format(image) != VipsFormatOf(type) || size != out.byte_size()) {
    return InternalError(std::string(what) + ": libvips returned an unexpected image layout");
  }
  std::memcpy(out.data(), pixels.get(), size);
  return out;
}

}  // namespace tessera
