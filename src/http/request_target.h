// The request target of an HTTP request ("/api/v1/item/x/tiles?encoding=PNG&style=...") split
// into the percent-decoded path and the decoded query pairs of an ApiRequest.
//
// Thread-safety: a pure function.
#pragma once

#include <string_view>

#include "api/api_types.h"

namespace tessera {

// Sets out->path and appends to out->query ('+' is a space in the query, not in the path;
// empty pairs are skipped, a name without '=' has an empty value). False on a bad
// percent-escape anywhere (the server answers 400).
bool ParseRequestTarget(std::string_view target, ApiRequest* out);

}  // namespace tessera
