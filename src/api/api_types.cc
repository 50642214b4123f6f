#include "api/api_types.h"

#include "api/status_http.h"

namespace tessera {

const std::string* ApiRequest::Query(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return &v;
  return nullptr;
}

const std::string* ApiRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return &v;
  return nullptr;
}

const std::string& ApiRequest::PathParam(const std::string& name) const {
  static const std::string kEmpty;
  auto it = path_params.find(name);
  return it == path_params.end() ? kEmpty : it->second;
}

namespace {
BytesPtr ToBody(const std::string& s) { return std::make_shared<const Bytes>(s.begin(), s.end()); }
}  // namespace

ApiResponse ApiResponse::Json(const nlohmann::ordered_json& j, int status) {
  ApiResponse r;
  r.status = status;
  r.body = ToBody(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return r;
}

ApiResponse ApiResponse::Json(const nlohmann::json& j, int status) {
  ApiResponse r;
  r.status = status;
  r.body = ToBody(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return r;
}

ApiResponse ApiResponse::Content(BytesPtr bytes, std::string content_type, int status) {
  ApiResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(bytes);
  return r;
}

ApiResponse ApiResponse::Error(const Status& status) {
  nlohmann::ordered_json j;
  j["message"] = status.message();
  j["type"] = std::string(ErrorTypeFor(status.code()));
  ApiResponse resp = Json(j, HttpStatusFor(status.code()));
  // Unavailable is momentary (a full queue, too many exports at once): say when to retry.
  if (status.code() == StatusCode::kUnavailable) resp.headers.emplace_back("Retry-After", "1");
  return resp;
}

std::string ApiResponse::BodyText() const {
  return body ? std::string(body->begin(), body->end()) : std::string();
}

}  // namespace tessera
