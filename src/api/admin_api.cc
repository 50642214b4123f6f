// PLACEHOLDER (frames helper)
#include "api/admin_api.h"

namespace tessera {

void AdminApi::Register(Router&) {
  (void)ctx_;
  (void)resolver_;
}

}  // namespace tessera
