// Router: maps (method, path pattern) to a handler. Patterns are literal segments and
// `{name}` captures ("/api/v1/item/{id}/tiles/zxy/{z}/{x}/{y}"); captured values land in
// ApiRequest::path_params. Routes are tried in the order they were added. A form-encoded body
// (application/x-www-form-urlencoded) is parsed into the query parameters, as Girder does.
//
// Unknown paths answer 404 and known paths with another method 405, in Girder's error shape.
// Thread-safety: routes are added at start-up; Dispatch is safe from any thread afterwards.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/api_types.h"

namespace tessera {

using Handler = std::function<HandlerResult(ApiRequest&)>;

class Router {
 public:
  void Add(std::string method, const std::string& pattern, Handler handler);
  HandlerResult Dispatch(ApiRequest& request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{x}" marks a capture
    Handler handler;
    std::string pattern;  // as registered (metrics label)
  };
  std::vector<Route> routes_;
};

}  // namespace tessera
