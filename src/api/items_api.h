// Items in Girder's shapes: list (`folderId`, or `text` search across what the caller may
// read), create, get, update (rename, move, metadata), delete, `PUT|DELETE
// /item/{id}/metadata`, `GET /item/{id}/files`, `GET /item/{id}/download`; and the health
// check (`/system/check`, `/system/version`).
// Thread-safety: handlers are safe to run concurrently.
#pragma once

#include <memory>
#include <vector>

#include "api/api_context.h"
#include "api/router.h"

namespace tessera {

class ItemsApi {
 public:
  explicit ItemsApi(const ApiContext& ctx) : ctx_(ctx) {}
  void Register(Router& router);

 private:
  void RegisterSystem(Router& router);
  const ApiContext& ctx_;
};

// Builds the router with every route of the API (api/routes.cc).
Router BuildRouter(const ApiContext& ctx, std::vector<std::shared_ptr<void>>* keep_alive);

}  // namespace tessera
