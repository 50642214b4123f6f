// The one table mapping Status codes to HTTP status codes and Girder error types.
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "core/status.h"

namespace tessera {

int HttpStatusFor(StatusCode code);
// Girder's "type" field: "rest" for client errors, "access" for 401/403, "internal" for 5xx.
std::string_view ErrorTypeFor(StatusCode code);

}  // namespace tessera
