// Girder-shaped item routes (/api/v1/item list and get) and the health check
// (/api/v1/system/check, /api/v1/system/version).
// Thread-safety: handlers are safe to run concurrently.
#pragma once

#include "api/api_context.h"
#include "api/router.h"

namespace tessera {

class ItemsApi {
 public:
  explicit ItemsApi(const ApiContext& ctx) : ctx_(ctx) {}
  void Register(Router& router);

 private:
  const ApiContext& ctx_;
};

// Girder's item document for a record ("_id", "_modelType", "name", "created", ...,
// "largeImage": {"fileId", "sourceName"} when the file is a readable image).
nlohmann::ordered_json ItemJson(const ItemRecord& item);

// Builds the router with every route of the API.
Router BuildRouter(const ApiContext& ctx, std::vector<std::shared_ptr<void>>* keep_alive);

}  // namespace tessera
