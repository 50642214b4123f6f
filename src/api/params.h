// Query-parameter parsing shared by the handlers, with large_image's names, defaults and
// errors (400 naming the parameter).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/api_types.h"
#include "imaging/codec.h"
#include "tiles/tile_request.h"

namespace tessera {

// An integer parameter in [min, max]; nullopt when absent (or empty).
StatusOr<std::optional<int64_t>> IntParam(const ApiRequest& r, const char* name, int64_t min,
                                          int64_t max);
// A boolean parameter (true/false/1/0/yes/no).
StatusOr<std::optional<bool>> BoolParam(const ApiRequest& r, const char* name);

// encoding, jpegQuality, jpegSubsampling, tiffCompression.
StatusOr<EncodeOptions> EncodeParams(const ApiRequest& r, Encoding default_encoding);

// The `style` parameter (imaging/style.h), checked, as canonical JSON; "" for no style (absent,
// `{}` or `{"icc": true}`). 400 naming the wrong part. A style whose dtype is uint16 keeps PNG
// output 16-bit: `encode`, when given, says so.
StatusOr<std::string> StyleParam(const ApiRequest& r, EncodeOptions* encode = nullptr);

// Who is asking, for the viewer tracker: the Girder-Token header, else the `token` parameter,
// else the girderToken cookie, else the client's address.
std::string ViewerOf(const ApiRequest& r);

// The `frame` parameter (default 0).
StatusOr<int> FrameParam(const ApiRequest& r);

}  // namespace tessera
