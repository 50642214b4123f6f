#include "api/params.h"

#include <cmath>

#include "api/auth.h"

#include "core/strings.h"
#include "imaging/style.h"

namespace tessera {

StatusOr<std::optional<int64_t>> IntParam(const ApiRequest& r, const char* name, int64_t min,
                                          int64_t max) {
  const std::string* v = r.Query(name);
  if (!v || Trim(*v).empty()) return std::optional<int64_t>();
  auto n = ParseInt(*v);
  if (!n) {
    // large_image accepts integral floats such as "3.0".
    // Only doubles inside int64's range convert (found by fuzz/route_fuzz: "1e30" was an
    // out-of-range float-to-integer conversion, undefined behaviour).
    auto d = ParseDouble(*v);
    if (d && *d >= -0x1p63 && *d < 0x1p63 && *d == std::trunc(*d)) n = static_cast<int64_t>(*d);
  }
  if (!n) {
    return InvalidArgumentError("Invalid value for " + std::string(name) + ": '" + *v +
                                "' is not an integer");
  }
  if (*n < min || *n > max) {
    return InvalidArgumentError("Invalid value for " + std::string(name) + ": " +
                                std::to_string(*n) + " is not between " + std::to_string(min) +
                                " and " + std::to_string(max));
  }
  return std::optional<int64_t>(*n);
}

StatusOr<std::optional<bool>> BoolParam(const ApiRequest& r, const char* name) {
  const std::string* v = r.Query(name);
  if (!v || Trim(*v).empty()) return std::optional<bool>();
  auto b = ParseBool(*v);
  if (!b) {
    return InvalidArgumentError("Invalid value for " + std::string(name) + ": '" + *v +
                                "' is not a boolean");
  }
  return std::optional<bool>(*b);
}

StatusOr<EncodeOptions> EncodeParams(const ApiRequest& r, Encoding default_encoding) {
  EncodeOptions e;
  e.encoding = default_encoding;
  if (const std::string* enc = r.Query("encoding"); enc && !Trim(*enc).empty()) {
    TS_ASSIGN_OR_RETURN(e.encoding, ParseEncoding(*enc));
  }
  TS_ASSIGN_OR_RETURN(auto q, IntParam(r, "jpegQuality", 1, 100));
  if (q) e.jpeg_quality = static_cast<int>(*q);
  TS_ASSIGN_OR_RETURN(auto s, IntParam(r, "jpegSubsampling", 0, 2));
  if (s) e.jpeg_subsampling = static_cast<int>(*s);
  if (const std::string* c = r.Query("tiffCompression"); c && !Trim(*c).empty()) {
    TS_ASSIGN_OR_RETURN(e.tiff_compression, ParseTiffCompression(*c));
  }
  return e;
}

StatusOr<std::string> StyleParam(const ApiRequest& r, EncodeOptions* encode) {
  const std::string* v = r.Query("style");
  if (!v || Trim(*v).empty()) return std::string();
  TS_ASSIGN_OR_RETURN(Style style, ParseStyle(*v));
  if (encode && style.dtype == StyleDtype::kUint16) encode->keep_16bit = true;
  return std::move(style.canonical);
}

StatusOr<int> FrameParam(const ApiRequest& r) {
  TS_ASSIGN_OR_RETURN(auto f, IntParam(r, "frame", 0, 1 << 30));
  return f ? static_cast<int>(*f) : 0;
}

std::string ViewerOf(const ApiRequest& r) {
  std::string token = Auth::TokenOf(r);
  return token.empty() ? "a:" + r.peer : "t:" + token;
}

}  // namespace tessera
