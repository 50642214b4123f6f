#include "imaging/vips_glue.h"

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

}  // namespace tessera
