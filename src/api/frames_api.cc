// PLACEHOLDER (frames helper)
#include "api/frames_api.h"

namespace tessera {

void FramesApi::Register(Router&) {
  (void)ctx_;
  (void)resolver_;
}

}  // namespace tessera
