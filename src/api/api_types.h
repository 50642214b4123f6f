// The contract between the HTTP server (http/) and the REST handlers (api/): handlers see an
// ApiRequest and return an ApiResponse — never Beast types — so they are unit-testable and the
// server layer is replaceable.
//
// A handler answers at once (a cache hit, an error) or returns a Deferred: blocking work (open
// a file, decode, encode) that the server runs on its worker pool, so that the HTTP threads
// never wait behind slow work.
// Thread-safety: value types.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/bytes.h"
#include "core/status.h"

namespace tessera {

struct ApiRequest {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // percent-decoded, without the query string
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::map<std::string, std::string> path_params;  // filled by the router
  std::string peer;                                // the client's address (set by the server)
  const std::string* route = nullptr;  // the matched route's pattern (set by the router)

  // The first value of a query parameter, or nullptr.
  const std::string* Query(std::string_view name) const;
  // A header by lower-case name, or nullptr.
  const std::string* Header(std::string_view name) const;
  const std::string& PathParam(const std::string& name) const;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  BytesPtr body;  // may be null for an empty body
  // A body streamed from this file instead of `body` (outputs too large to hold in memory, such
  // as tiled TIFF regions); the server deletes the file after sending when remove_body_file.
  std::string body_file;
  bool remove_body_file = false;
  // The part of body_file to send (Range responses): from this offset, at most this many bytes.
  uint64_t body_file_offset = 0;
  uint64_t body_file_length = UINT64_MAX;
  std::vector<std::pair<std::string, std::string>> headers;

  static ApiResponse Json(const nlohmann::ordered_json& j, int status = 200);
  static ApiResponse Json(const nlohmann::json& j, int status = 200);
  static ApiResponse Content(BytesPtr bytes, std::string content_type, int status = 200);
  // Girder's error shape: {"message": ..., "type": ...} with the status from the one table;
  // 503s (Unavailable) also say `Retry-After: 1`.
  static ApiResponse Error(const Status& status);
  // The body as text (tests, logs).
  std::string BodyText() const;
};

using Deferred = std::function<ApiResponse()>;

struct HandlerResult {
  std::optional<ApiResponse> response;  // answered now...
  Deferred deferred;                    // ...or run this on the worker pool
  // The deferred work is region-sized (a region, a thumbnail, a histogram, composited frames):
  // it counts against the server's max_expensive (beyond it: 503 with Retry-After at once),
  // so such requests cannot take every worker from the tiles viewers are waiting for.
  bool expensive = false;

  HandlerResult(ApiResponse r) : response(std::move(r)) {}  // NOLINT
  HandlerResult(Deferred d) : deferred(std::move(d)) {}     // NOLINT
  static HandlerResult Expensive(Deferred d) {
    HandlerResult h(std::move(d));
    h.expensive = true;
    return h;
  }
  // Runs the deferred part on the calling thread (tests, CLI).
  ApiResponse Resolve() && { return response ? std::move(*response) : deferred(); }
};

}  // namespace tessera
