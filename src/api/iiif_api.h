// PLACEHOLDER (iiif helper): IIIF Image API 3.0
#pragma once

#include "api/api_context.h"
#include "api/item_resolver.h"
#include "api/router.h"

namespace tessera {

class IiifApi {
 public:
  IiifApi(const ApiContext& ctx, ItemResolver& resolver) : ctx_(ctx), resolver_(resolver) {}
  void Register(Router& router);

 private:
  const ApiContext& ctx_;
  ItemResolver& resolver_;
};

}  // namespace tessera
