// Fuzz target: an HTTP request as the server sees it after Beast's parse — method, target,
// headers and body — through ParseRequestTarget (http/request_target.h), the Router
// (api/router.h, with route patterns of the real API) and the query-parameter parsers each
// family of routes uses (api/params.h, api/region_params.h, api/iiif_params.h).
//
// Input: "METHOD\nTARGET\nname: value\n...\n\nBODY" (a missing part is empty).
// Invariants: a target that parses re-encodes (UrlEncode per path segment and query part) to a
// target that parses to the same path and query; a matched route's captures are non-empty path
// segments; an unmatched request answers 404 or 405; every parser failure is a 400.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/iiif_params.h"
#include "api/params.h"
#include "api/region_params.h"
#include "api/router.h"
#include "core/strings.h"
#include "fuzz/fuzz_check.h"
#include "http/request_target.h"

namespace tessera {
namespace {

// Errors of the parsers must be client errors, never anything else.
void Expect400(const Status& s) { FUZZ_CHECK(s.ok() || s.code() == StatusCode::kInvalidArgument); }

HandlerResult Ok() { return ApiResponse::Json(nlohmann::json::object()); }

HandlerResult TileParams(ApiRequest& r) {
  for (const char* name : {"z", "x", "y"}) {
    if (r.path_params.count(name)) (void)ParseInt(r.PathParam(name));
  }
  Expect400(EncodeParams(r, Encoding::kJpeg).status());
  EncodeOptions encode;
  Expect400(StyleParam(r, &encode).status());
  Expect400(FrameParam(r).status());
  Expect400(BoolParam(r, "redirect").status());
  return Ok();
}

HandlerResult RegionLike(ApiRequest& r) {
  auto spec = RegionParams(r);
  Expect400(spec.status());
  if (spec.ok()) (void)RegionSpecKey(*spec);
  Expect400(ResampleParam(r).status());
  Expect400(FillParam(r).status());
  return TileParams(r);
}

HandlerResult Iiif(ApiRequest& r) {
  auto req = ParseIiifImageRequest(r.PathParam("region"), r.PathParam("size"),
                                   r.PathParam("rotation"), r.PathParam("quality_format"));
  Expect400(req.status());
  if (req.ok()) (void)req->Key();
  return Ok();
}

HandlerResult Listing(ApiRequest& r) {
  Expect400(IntParam(r, "limit", 0, 1 << 20).status());
  Expect400(IntParam(r, "offset", 0, INT64_MAX).status());
  Expect400(BoolParam(r, "details").status());
  (void)ViewerOf(r);
  return Ok();
}

Router MakeRouter() {
  Router router;
  for (const char* p : {"/api/v1/item/{id}/tiles/zxy/{z}/{x}/{y}",
                        "/api/v1/item/{id}/tiles/fzxy/{frame}/{z}/{x}/{y}",
                        "/api/v1/item/{id}/tiles/thumbnail", "/api/v1/item/{id}/tiles"}) {
    router.Add("GET", p, TileParams);
  }
  for (const char* p : {"/api/v1/item/{id}/tiles/region", "/api/v1/item/{id}/tiles/histogram",
                        "/api/v1/item/{id}/tiles/pixel", "/api/v1/item/{id}/tiles/tile_frames"}) {
    router.Add("GET", p, RegionLike);
  }
  router.Add("GET", "/iiif/3/{id}/{region}/{size}/{rotation}/{quality_format}", Iiif);
  router.Add("GET", "/iiif/3/{id}/info.json", Listing);
  router.Add("POST", "/api/v1/file/chunk", Listing);
  router.Add("POST", "/api/v1/file", Listing);
  router.Add("GET", "/api/v1/item", Listing);
  router.Add("GET", "/api/v1/item/{id}", Listing);
  router.Add("PUT", "/api/v1/item/{id}", Listing);
  router.Add("DELETE", "/api/v1/item/{id}", Listing);
  return router;
}

std::string_view TakeLine(std::string_view* in) {
  const size_t nl = in->find('\n');
  std::string_view line = in->substr(0, nl);
  in->remove_prefix(nl == std::string_view::npos ? in->size() : nl + 1);
  return line;
}

// The target that ParseRequestTarget reads back as `r`'s path and query.
std::string Encode(const ApiRequest& r) {
  std::string out;
  bool first = true;
  for (auto seg : Split(r.path, '/')) {
    if (!first) out += '/';
    first = false;
    out += UrlEncode(seg);
  }
  for (size_t i = 0; i < r.query.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += UrlEncode(r.query[i].first) + "=" + UrlEncode(r.query[i].second);
  }
  return out;
}

}  // namespace
}  // namespace tessera

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera;
  static const Router router = MakeRouter();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ApiRequest request;
  request.method = std::string(TakeLine(&in));
  const std::string_view target = TakeLine(&in);
  while (!in.empty()) {
    std::string_view line = TakeLine(&in);
    if (line.empty()) break;
    const size_t colon = line.find(':');
    request.headers.emplace_back(ToLower(line.substr(0, colon)),
                                 colon == std::string_view::npos
                                     ? std::string()
                                     : std::string(Trim(line.substr(colon + 1))));
  }
  request.body = std::string(in);
  if (!ParseRequestTarget(target, &request)) return 0;

  // The decoded request survives an encode / decode round trip.
  if (request.query.size() < 1000) {
    ApiRequest again;
    FUZZ_CHECK(ParseRequestTarget(Encode(request), &again));
    FUZZ_CHECK(again.path == request.path);
    FUZZ_CHECK(again.query.size() == request.query.size());
    for (size_t i = 0; i < again.query.size(); ++i) {
      FUZZ_CHECK(again.query[i] == request.query[i]);
    }
  }

  ApiResponse response = router.Dispatch(request).Resolve();
  if (request.route == nullptr) {
    FUZZ_CHECK(response.status == 404 || response.status == 405);
  } else {
    FUZZ_CHECK(response.status == 200);
    for (const auto& [name, value] : request.path_params) {
      FUZZ_CHECK(!value.empty() && value.find('/') == std::string::npos);
    }
  }
  return 0;
}
