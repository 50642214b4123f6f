// The composition of the REST API: every handler group on one router.
#include "api/admin_api.h"
#include "api/assetstore_api.h"
#include "api/dzi_api.h"
#include "api/files_api.h"
#include "api/folders_api.h"
#include "api/frames_api.h"
#include "api/iiif_api.h"
#include "api/images_api.h"
#include "api/items_api.h"
#include "api/jobs_api.h"
#include "api/region_api.h"
#include "api/tiles_api.h"
#include "api/users_api.h"

namespace tessera {

Router BuildRouter(const ApiContext& ctx, std::vector<std::shared_ptr<void>>* keep_alive) {
  Router router;
  auto resolver = std::make_shared<ItemResolver>(ctx);
  keep_alive->push_back(resolver);
  auto add = [&](auto api) {
    api->Register(router);
    keep_alive->push_back(api);
  };
  // Specific routes before the generic /item/{id} ones.
  add(std::make_shared<TilesApi>(ctx, *resolver));
  add(std::make_shared<RegionApi>(ctx, *resolver));
  add(std::make_shared<ImagesApi>(ctx, *resolver));
  add(std::make_shared<FramesApi>(ctx, *resolver));
  add(std::make_shared<DziApi>(ctx, *resolver));
  add(std::make_shared<IiifApi>(ctx, *resolver));
  add(std::make_shared<AdminApi>(ctx));
  add(std::make_shared<UsersApi>(ctx));
  add(std::make_shared<FoldersApi>(ctx));
  add(std::make_shared<FilesApi>(ctx));
  add(std::make_shared<AssetstoreApi>(ctx));
  add(std::make_shared<JobsApi>(ctx));
  add(std::make_shared<ItemsApi>(ctx));
  return router;
}

}  // namespace tessera
