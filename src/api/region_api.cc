// PLACEHOLDER (region helper)
#include "api/region_api.h"

namespace tessera {

void RegionApi::Register(Router&) {
  (void)ctx_;
  (void)resolver_;
}

}  // namespace tessera
