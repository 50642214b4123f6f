#include "api/region_params.h"

#include "api/params.h"
#include "core/strings.h"

namespace tessera {

StatusOr<std::optional<double>> DoubleParam(const ApiRequest& r, const char* name) {
  const std::string* v = r.Query(name);
  if (!v || Trim(*v).empty()) return std::optional<double>();
  auto d = ParseDouble(*v);
  if (!d) {
    return InvalidArgumentError("Invalid value for " + std::string(name) + ": '" + *v +
                                "' is not a number");
  }
  return std::optional<double>(*d);
}

StatusOr<RegionSpec> RegionParams(const ApiRequest& r) {
  RegionSpec s;
  TS_ASSIGN_OR_RETURN(s.left, DoubleParam(r, "left"));
  TS_ASSIGN_OR_RETURN(s.top, DoubleParam(r, "top"));
  TS_ASSIGN_OR_RETURN(s.right, DoubleParam(r, "right"));
  TS_ASSIGN_OR_RETURN(s.bottom, DoubleParam(r, "bottom"));
  TS_ASSIGN_OR_RETURN(s.width, DoubleParam(r, "regionWidth"));
  TS_ASSIGN_OR_RETURN(s.height, DoubleParam(r, "regionHeight"));
  if (const std::string* u = r.Query("units"); u && !Trim(*u).empty()) {
    TS_ASSIGN_OR_RETURN(s.units, ParseRegionUnits(*u));
  }
  if (const std::string* u = r.Query("unitsWH"); u && !Trim(*u).empty()) {
    TS_ASSIGN_OR_RETURN(s.units_wh, ParseRegionUnits(*u));
  }
  TS_ASSIGN_OR_RETURN(auto w, IntParam(r, "width", 0, int64_t{1} << 31));
  TS_ASSIGN_OR_RETURN(auto h, IntParam(r, "height", 0, int64_t{1} << 31));
  if (w) s.max_width = static_cast<double>(*w);
  if (h) s.max_height = static_cast<double>(*h);
  TS_ASSIGN_OR_RETURN(s.magnification, DoubleParam(r, "magnification"));
  TS_ASSIGN_OR_RETURN(s.mm_x, DoubleParam(r, "mm_x"));
  TS_ASSIGN_OR_RETURN(s.mm_y, DoubleParam(r, "mm_y"));
  TS_ASSIGN_OR_RETURN(auto exact, BoolParam(r, "exact"));
  s.exact = exact.value_or(false);
  return s;
}

StatusOr<std::optional<ResampleFilter>> ResampleParam(const ApiRequest& r) {
  const std::string* v = r.Query("resample");
  if (!v || Trim(*v).empty()) return std::optional<ResampleFilter>();
  const std::string t = ToLower(Trim(*v));
  if (t == "true") return std::optional<ResampleFilter>();
  if (t == "false" || t == "0") return std::optional<ResampleFilter>(ResampleFilter::kNearest);
  if (t == "1") return std::optional<ResampleFilter>(ResampleFilter::kLanczos3);
  if (t == "2") return std::optional<ResampleFilter>(ResampleFilter::kLinear);
  if (t == "3") return std::optional<ResampleFilter>(ResampleFilter::kCubic);
  return InvalidArgumentError("Invalid value for resample: '" + *v +
                              "': use true, false or 0-3 (nearest, lanczos, bilinear, bicubic)");
}

StatusOr<std::optional<Fill>> FillParam(const ApiRequest& r) {
  const std::string* v = r.Query("fill");
  if (!v || Trim(*v).empty()) return std::optional<Fill>();
  std::string t(Trim(*v));
  if (ToLower(t) == "none") return std::optional<Fill>();
  Fill f;
  if (ToLower(t).rfind("corner:", 0) == 0) {
    f.corner = true;
    t = t.substr(7);
  }
  TS_ASSIGN_OR_RETURN(f.color, ParseColor(t));
  return std::optional<Fill>(f);
}

std::string KeyNumber(const std::optional<double>& v) { return v ? FormatDouble(*v) : "-"; }

std::string RegionSpecKey(const RegionSpec& s) {
  std::string k;
  for (const auto* v : {&s.left, &s.top, &s.right, &s.bottom, &s.width, &s.height, &s.max_width,
                        &s.max_height, &s.magnification, &s.mm_x, &s.mm_y}) {
    k += KeyNumber(*v) + ",";
  }
  k += std::to_string(static_cast<int>(s.units)) + "," +
       (s.units_wh ? std::to_string(static_cast<int>(*s.units_wh)) : "-") + (s.exact ? ",e" : "");
  return k;
}

}  // namespace tessera
