// PLACEHOLDER (region helper): region, pixel, histogram, bands
#pragma once

#include "api/api_context.h"
#include "api/item_resolver.h"
#include "api/router.h"

namespace tessera {

class RegionApi {
 public:
  RegionApi(const ApiContext& ctx, ItemResolver& resolver) : ctx_(ctx), resolver_(resolver) {}
  void Register(Router& router);

 private:
  const ApiContext& ctx_;
  ItemResolver& resolver_;
};

}  // namespace tessera
