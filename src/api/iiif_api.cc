// PLACEHOLDER (iiif helper)
#include "api/iiif_api.h"

namespace tessera {

void IiifApi::Register(Router&) {
  (void)ctx_;
  (void)resolver_;
}

}  // namespace tessera
