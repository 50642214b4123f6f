// PLACEHOLDER (frames helper)
#include "api/images_api.h"

namespace tessera {

void ImagesApi::Register(Router&) {
  (void)ctx_;
  (void)resolver_;
}

}  // namespace tessera
