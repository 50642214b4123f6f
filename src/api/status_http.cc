#include "api/status_http.h"

namespace tessera {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kAlreadyExists:  // Girder's ValidationException ("... already exists")
      return 400;
    case StatusCode::kNotFound:
    case StatusCode::kOutOfRange:
      return 404;
    case StatusCode::kUnsupported:
      return 415;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kResourceExhausted:
      return 503;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDataLoss:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

std::string_view ErrorTypeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
      return "access";
    case StatusCode::kDataLoss:
    case StatusCode::kInternal:
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted:
      return "internal";
    default:
      return "rest";
  }
}

}  // namespace tessera
