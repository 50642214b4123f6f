#include "testing/reference.h"

#include <vips/vips.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>

namespace tessera {
namespace {

void InitVips() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("tessera-test")) vips_error_exit("vips init");
    // libvips' warnings about unknown TIFF tags are noise in test output.
    g_log_set_handler(
        "VIPS", G_LOG_LEVEL_WARNING, [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {},
        nullptr);
    vips_cache_set_max(0);
  });
}

Status VipsFailure(const std::string& what) {
  std::string msg = what + ": " + vips_error_buffer();
  vips_error_clear();
  return InternalError(msg);
}

StatusOr<PixelType> TypeOf(VipsBandFormat f) {
  switch (f) {
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
      return InternalError("unsupported vips band format");
  }
}

VipsBandFormat FormatOf(PixelType t) {
  switch (t) {
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

StatusOr<Image> ToImage(VipsImage* in) {
  TS_ASSIGN_OR_RETURN(PixelType t, TypeOf(vips_image_get_format(in)));
  size_t size = 0;
  void* mem = vips_image_write_to_memory(in, &size);
  if (!mem) return VipsFailure("write_to_memory");
  Image out(vips_image_get_width(in), vips_image_get_height(in), vips_image_get_bands(in), t);
  if (size != out.byte_size()) {
    g_free(mem);
    return InternalError("unexpected vips buffer size");
  }
  std::memcpy(out.data(), mem, size);
  g_free(mem);
  return out;
}

VipsImage* FromImage(const Image& img) {
  return vips_image_new_from_memory_copy(img.data(), img.byte_size(), img.width(), img.height(),
                                         img.bands(), FormatOf(img.type()));
}

std::string ToLowerAscii(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Unref {
  void operator()(VipsImage* i) const {
    if (i) g_object_unref(i);
  }
};
using VipsPtr = std::unique_ptr<VipsImage, Unref>;

}  // namespace

StatusOr<Image> VipsLoad(const std::string& path, int page, bool autorotate, int subifd) {
  InitVips();
  VipsImage* raw = nullptr;
  const char* loader = vips_foreign_find_load(path.c_str());
  if (!loader) return VipsFailure("no vips loader for " + path);
  std::string l(loader);
  if (page >= 0 && ToLowerAscii(l).find("openslide") != std::string::npos) {
    raw = vips_image_new_from_file(path.c_str(), "level", page, "access", VIPS_ACCESS_RANDOM,
                                   nullptr);
  } else if (page >= 0 && subifd >= 0) {
    raw = vips_image_new_from_file(path.c_str(), "page", page, "subifd", subifd, "access",
                                   VIPS_ACCESS_RANDOM, nullptr);
  } else if (page >= 0) {
    raw =
        vips_image_new_from_file(path.c_str(), "page", page, "access", VIPS_ACCESS_RANDOM, nullptr);
  } else {
    raw = vips_image_new_from_file(path.c_str(), "access", VIPS_ACCESS_RANDOM, nullptr);
  }
  if (!raw) return VipsFailure("vips load " + path);
  VipsPtr img(raw);
  if (autorotate) {
    VipsImage* rot = nullptr;
    if (vips_autorot(img.get(), &rot, nullptr)) return VipsFailure("autorot");
    img.reset(rot);
  }
  return ToImage(img.get());
}

StatusOr<Image> VipsDecode(const std::string& bytes) {
  InitVips();
  VipsImage* raw = vips_image_new_from_buffer(bytes.data(), bytes.size(), "", "access",
                                              VIPS_ACCESS_RANDOM, nullptr);
  if (!raw) return VipsFailure("vips decode");
  VipsPtr img(raw);
  return ToImage(img.get());
}

std::string VipsEncode(const Image& img, const std::string& suffix, std::string* error) {
  InitVips();
  VipsPtr v(FromImage(img));
  if (!v) return "";
  if (img.type() == PixelType::kU16) {  // or vips saves 8 bits
    v->Type = img.bands() >= 3 ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_GREY16;
  }
  void* buf = nullptr;
  size_t len = 0;
  if (vips_image_write_to_buffer(v.get(), suffix.c_str(), &buf, &len, nullptr) != 0) {
    if (error) *error = vips_error_buffer();
    vips_error_clear();
    return "";
  }
  std::string out(static_cast<const char*>(buf), len);
  g_free(buf);
  return out;
}

StatusOr<Image> VipsShrink(const Image& img, double hshrink, double vshrink) {
  InitVips();
  VipsPtr in(FromImage(img));
  VipsImage* out = nullptr;
  if (vips_shrink(in.get(), &out, hshrink, vshrink, nullptr)) return VipsFailure("shrink");
  VipsPtr o(out);
  VipsImage* cast = nullptr;
  if (vips_cast(o.get(), &cast, FormatOf(img.type()), nullptr)) return VipsFailure("cast");
  VipsPtr c(cast);
  return ToImage(c.get());
}

StatusOr<Image> VipsResizeTo(const Image& img, int width, int height) {
  InitVips();
  VipsPtr in(FromImage(img));
  VipsImage* out = nullptr;
  double h = static_cast<double>(width) / img.width();
  double v = static_cast<double>(height) / img.height();
  if (vips_resize(in.get(), &out, h, "vscale", v, nullptr)) return VipsFailure("resize");
  VipsPtr o(out);
  VipsImage* cast = nullptr;
  if (vips_cast(o.get(), &cast, FormatOf(img.type()), nullptr)) return VipsFailure("cast");
  VipsPtr c(cast);
  return ToImage(c.get());
}

Diff CompareImages(const Image& a, const Image& b, int width, int height, int bands) {
  Diff d;
  if (a.type() != b.type() || a.width() < width || b.width() < width || a.height() < height ||
      b.height() < height || a.bands() < bands || b.bands() < bands) {
    d.max_abs = std::numeric_limits<double>::infinity();
    return d;
  }
  double sum = 0;
  DispatchPixelType(a.type(), [&](auto zero) {
    using T = decltype(zero);
    for (int y = 0; y < height; ++y) {
      const T* ra = a.row_as<T>(y);
      const T* rb = b.row_as<T>(y);
      for (int x = 0; x < width; ++x) {
        for (int c = 0; c < bands; ++c) {
          double diff = std::fabs(static_cast<double>(ra[x * a.bands() + c]) -
                                  static_cast<double>(rb[x * b.bands() + c]));
          d.max_abs = std::max(d.max_abs, diff);
          sum += diff;
        }
      }
    }
  });
  double n = static_cast<double>(width) * height * bands;
  d.mean_abs = n > 0 ? sum / n : 0;
  return d;
}

Image KeepBands(const Image& img, int bands) {
  Image out(img.width(), img.height(), bands, img.type());
  const size_t s = img.sample_bytes();
  for (int y = 0; y < img.height(); ++y) {
    for (int x = 0; x < img.width(); ++x) {
      std::memcpy(out.row(y) + (static_cast<size_t>(x) * bands) * s,
                  img.row(y) + (static_cast<size_t>(x) * img.bands()) * s, s * bands);
    }
  }
  return out;
}

}  // namespace tessera
