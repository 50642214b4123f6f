// PLACEHOLDER (iiif helper)
#include "api/dzi_api.h"

namespace tessera {

void DziApi::Register(Router&) {
  (void)ctx_;
  (void)resolver_;
}

}  // namespace tessera
