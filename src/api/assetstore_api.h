// The assetstore and server-side import (admins only), in Girder's shapes:
//   GET /assetstore                  the one filesystem assetstore
//   POST /assetstore/{id}/import     importPath, destinationId, destinationType (folder,
//                                    collection, user): registers the files below importPath
//                                    in place (api/importer.h) — no copy, no source cached;
//                                    large images within the serving limits (ApiContext::open).
// importPath must lie inside one of the configured import roots (--import-roots; none by
// default, so REST import is off until an operator names them); `..` and symlinks that leave
// the roots are refused.
// Thread-safety: handlers are safe to run concurrently.
#pragma once

#include "api/api_context.h"
#include "api/router.h"

namespace tessera {

// The id of Tessera's one assetstore (Girder's assetstore documents have ids).
inline constexpr char kAssetstoreId[] = "000000000000000000000001";

class AssetstoreApi {
 public:
  explicit AssetstoreApi(const ApiContext& ctx) : ctx_(ctx) {}
  void Register(Router& router);

 private:
  const ApiContext& ctx_;
};

}  // namespace tessera
