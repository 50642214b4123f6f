// Collections and folders in Girder's shapes: list (with access filtering), create, get,
// update (rename, move, metadata), delete (with everything below), and access
// (`GET|PUT /collection/{id}/access`, `GET|PUT /folder/{id}/access` with `public` and
// `recurse`). Creating a collection is for admins; a folder needs WRITE on its parent (a user's
// home: that user or an admin).
// Thread-safety: handlers are safe to run concurrently.
#pragma once

#include "api/api_context.h"
#include "api/auth.h"
#include "api/router.h"

namespace tessera {

class FoldersApi {
 public:
  explicit FoldersApi(const ApiContext& ctx) : ctx_(ctx) {}
  void Register(Router& router);

 private:
  void RegisterCollections(Router& router);
  // The caller's level on a folder parent (collection, folder, or user home).
  StatusOr<AccessLevel> LevelOnParent(const Principal& who, ParentType type, const std::string& id);

  const ApiContext& ctx_;
};

}  // namespace tessera
