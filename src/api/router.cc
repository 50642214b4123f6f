#include "api/router.h"

#include "api/quad_info.h"
#include "core/strings.h"

namespace tessera {
namespace {

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  for (auto part : Split(path, '/')) {
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

}  // namespace

void Router::Add(std::string method, const std::string& pattern, Handler handler) {
  routes_.push_back(Route{std::move(method), Segments(pattern), std::move(handler), pattern});
}

HandlerResult Router::Dispatch(ApiRequest& request) const {
  // Segments as views of the request path: no allocation until a route matches.
  std::vector<std::string_view> parts;
  for (auto part : Split(request.path, '/')) {
    if (!part.empty()) parts.push_back(part);
  }
  bool path_matched = false;
  for (const Route& r : routes_) {
    if (r.segments.size() != parts.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      const std::string& seg = r.segments[i];
      const bool capture = seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
      ok = capture || seg == parts[i];
    }
    if (!ok) continue;
    path_matched = true;
    const bool method_ok =
        r.method == request.method || (r.method == "GET" && request.method == "HEAD");
    if (!method_ok) continue;
    request.path_params.clear();
    for (size_t i = 0; i < parts.size(); ++i) {
      const std::string& seg = r.segments[i];
      if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
        request.path_params.emplace(seg.substr(1, seg.size() - 2), std::string(parts[i]));
      }
    }
    request.route = &r.pattern;
    // Girder takes parameters from a form-encoded body as from the query string.
    if (const std::string* ct = request.Header("content-type");
        ct && ct->rfind("application/x-www-form-urlencoded", 0) == 0 && !request.body.empty()) {
      for (auto& kv : ParseQueryString(request.body)) request.query.push_back(std::move(kv));
      request.body.clear();
    }
    return r.handler(request);
  }
  if (path_matched) {
    ApiResponse resp = ApiResponse::Error(
        InvalidArgumentError("Method " + request.method + " is not allowed on " + request.path));
    resp.status = 405;
    return resp;
  }
  return ApiResponse::Error(
      NotFoundError("No matching route for \"" + request.method + " " + request.path + "\""));
}

}  // namespace tessera
