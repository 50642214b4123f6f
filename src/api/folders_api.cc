#include "api/folders_api.h"

#include "api/models_json.h"
#include "core/strings.h"

namespace tessera {
namespace {

bool AtLeast(AccessLevel have, AccessLevel want) {
  return static_cast<int>(have) >= static_cast<int>(want);
}

// `public` as a boolean parameter, or `fallback` when absent.
StatusOr<bool> PublicParam(const ApiRequest& r, bool fallback) {
  const std::string* v = r.Query("public");
  if (!v || v->empty()) return fallback;
  auto b = ParseBool(*v);
  if (!b) return InvalidArgumentError("Invalid value for public: \"" + *v + "\".");
  return *b;
}

}  // namespace

StatusOr<AccessLevel> FoldersApi::LevelOnParent(const Principal& who, ParentType type,
                                                const std::string& id) {
  switch (type) {
    case ParentType::kCollection: {
      TS_ASSIGN_OR_RETURN(CollectionRecord c, ctx_.store->GetCollection(id));
      return Auth::LevelOn(who, c.access);
    }
    case ParentType::kFolder: {
      TS_ASSIGN_OR_RETURN(FolderRecord f, ctx_.store->GetFolder(id));
      return Auth::LevelOn(who, f.access);
    }
    case ParentType::kUser: {
      TS_RETURN_IF_ERROR(ctx_.store->GetUser(id).status());
      if (who.admin() || who.user_id() == id) return AccessLevel::kAdmin;
      return AccessLevel::kRead;  // anyone may list a user's (visible) folders
    }
  }
  return AccessLevel::kNone;
}

void FoldersApi::Register(Router& router) {
  RegisterCollections(router);
  router.Add("GET", "/api/v1/folder", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(ListQuery q, ListQueryParam(r));
      const std::string* type = r.Query("parentType");
      const std::string* id = r.Query("parentId");
      if (!type || !id) {
        return InvalidArgumentError("Invalid search mode: give parentType and parentId.");
      }
      TS_ASSIGN_OR_RETURN(ParentType t, ParseParentType(*type));
      if (!IsObjectId(*id)) return InvalidArgumentError("Invalid ObjectId: " + *id);
      TS_ASSIGN_OR_RETURN(AccessLevel level, LevelOnParent(who, t, *id));
      if (!AtLeast(level, AccessLevel::kRead)) {
        return Auth::Denied(who, AccessLevel::kRead, ParentTypeName(t), *id);
      }
      TS_ASSIGN_OR_RETURN(auto folders, ctx_.store->ListFolders(t, *id, q, Auth::FilterFor(who)));
      Json j = Json::array();
      for (const FolderRecord& f : folders) j.push_back(FolderJson(f, who));
      return ApiResponse::Json(j);
    });
  });
  router.Add("POST", "/api/v1/folder", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_RETURN_IF_ERROR(Auth::RequireUser(who));
      TS_ASSIGN_OR_RETURN(std::string type, RequiredParam(r, "parentType"));
      TS_ASSIGN_OR_RETURN(std::string parent, IdParam(r, "parentId"));
      TS_ASSIGN_OR_RETURN(std::string name, RequiredParam(r, "name"));
      name = std::string(Trim(name));
      if (name.empty()) return InvalidArgumentError("Folder name must not be empty.");
      TS_ASSIGN_OR_RETURN(ParentType t, ParseParentType(type));
      TS_ASSIGN_OR_RETURN(AccessLevel level, LevelOnParent(who, t, parent));
      if (!AtLeast(level, AccessLevel::kWrite)) {
        return Auth::Denied(who, AccessLevel::kWrite, ParentTypeName(t), parent);
      }
      if (const std::string* reuse = r.Query("reuseExisting");
          reuse && ParseBool(*reuse).value_or(false)) {
        ListQuery q;
        q.name = name;
        q.limit = 1;
        TS_ASSIGN_OR_RETURN(auto found, ctx_.store->ListFolders(t, parent, q, AccessFilter::All()));
        if (!found.empty()) return ApiResponse::Json(FolderJson(found.front(), who));
      }
      FolderRecord f;
      f.name = name;
      if (const std::string* d = r.Query("description")) f.description = *d;
      f.parent_type = t;
      f.parent_id = parent;
      f.creator_id = who.user_id();
      if (t == ParentType::kUser) {
        TS_ASSIGN_OR_RETURN(f.access.is_public, PublicParam(r, false));
        f.access.users.push_back({parent, AccessLevel::kAdmin});
      }
      if (const std::string* m = r.Query("metadata")) {
        TS_ASSIGN_OR_RETURN(nlohmann::json meta, JsonObjectParam(*m, "metadata"));
        TS_ASSIGN_OR_RETURN(f.meta_json, MergeMetaJson("{}", meta));
      }
      TS_ASSIGN_OR_RETURN(FolderRecord created, ctx_.store->CreateFolder(f));
      // Under a collection or folder the new folder has a copy of its parent's access; the
      // `public` parameter may still narrow or widen it (Girder's behaviour).
      if (t != ParentType::kUser && r.Query("public")) {
        TS_ASSIGN_OR_RETURN(created.access.is_public, PublicParam(r, created.access.is_public));
        TS_RETURN_IF_ERROR(ctx_.store->SetFolderAccess(created.id, created.access, false));
      }
      return ApiResponse::Json(FolderJson(created, who));
    });
  });
  router.Add("GET", "/api/v1/folder/{id}", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(FolderRecord f,
                          ctx_.auth->FolderFor(who, r.PathParam("id"), AccessLevel::kRead));
      return ApiResponse::Json(FolderJson(f, who));
    });
  });
  router.Add("GET", "/api/v1/folder/{id}/rootpath", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(FolderRecord f,
                          ctx_.auth->FolderFor(who, r.PathParam("id"), AccessLevel::kRead));
      TS_ASSIGN_OR_RETURN(Json chain, RootPathJson(*ctx_.store, f.parent_type, f.parent_id, who));
      return ApiResponse::Json(chain);
    });
  });
  router.Add("PUT", "/api/v1/folder/{id}", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(FolderRecord f,
                          ctx_.auth->FolderFor(who, r.PathParam("id"), AccessLevel::kWrite));
      if (const std::string* v = r.Query("name")) {
        if (Trim(*v).empty()) return InvalidArgumentError("Folder name must not be empty.");
        f.name = std::string(Trim(*v));
      }
      if (const std::string* v = r.Query("description")) f.description = *v;
      if (const std::string* m = r.Query("metadata")) {
        TS_ASSIGN_OR_RETURN(nlohmann::json meta, JsonObjectParam(*m, "metadata"));
        TS_ASSIGN_OR_RETURN(f.meta_json, MergeMetaJson(f.meta_json, meta));
      }
      const std::string* pid = r.Query("parentId");
      if (pid && *pid != f.parent_id) {
        const std::string* ptype = r.Query("parentType");
        TS_ASSIGN_OR_RETURN(ParentType t,
                            ParseParentType(ptype ? *ptype : ParentTypeName(f.parent_type)));
        if (!IsObjectId(*pid)) return InvalidArgumentError("Invalid ObjectId: " + *pid);
        TS_ASSIGN_OR_RETURN(AccessLevel level, LevelOnParent(who, t, *pid));
        if (!AtLeast(level, AccessLevel::kWrite)) {
          return Auth::Denied(who, AccessLevel::kWrite, ParentTypeName(t), *pid);
        }
        if (t == ParentType::kFolder && *pid == f.id) {
          return InvalidArgumentError("A folder cannot be moved into itself.");
        }
        f.parent_type = t;
        f.parent_id = *pid;
      }
      TS_RETURN_IF_ERROR(ctx_.store->UpdateFolder(f));
      TS_ASSIGN_OR_RETURN(FolderRecord updated, ctx_.store->GetFolder(f.id));
      ctx_.auth->ForgetAll();
      return ApiResponse::Json(FolderJson(updated, who));
    });
  });
  router.Add("PUT", "/api/v1/folder/{id}/metadata", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(FolderRecord f,
                          ctx_.auth->FolderFor(who, r.PathParam("id"), AccessLevel::kWrite));
      TS_ASSIGN_OR_RETURN(nlohmann::json meta, JsonObjectParam(r.body, "metadata"));
      TS_ASSIGN_OR_RETURN(f.meta_json, MergeMetaJson(f.meta_json, meta));
      TS_RETURN_IF_ERROR(ctx_.store->UpdateFolder(f));
      return ApiResponse::Json(FolderJson(f, who));
    });
  });
  router.Add("DELETE", "/api/v1/folder/{id}", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(FolderRecord f,
                          ctx_.auth->FolderFor(who, r.PathParam("id"), AccessLevel::kAdmin));
      std::vector<std::string> removed;
      TS_RETURN_IF_ERROR(ctx_.store->DeleteFolder(f.id, &removed));
      for (const std::string& path : removed) ctx_.assetstore->Remove(path).IgnoreError();
      ctx_.auth->ForgetAll();
      return ApiResponse::Json(Json{{"message", "Deleted folder " + f.name + "."}});
    });
  });
  router.Add("GET", "/api/v1/folder/{id}/access", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(FolderRecord f,
                          ctx_.auth->FolderFor(who, r.PathParam("id"), AccessLevel::kAdmin));
      return ApiResponse::Json(AccessJson(f.access, *ctx_.store));
    });
  });
  router.Add("PUT", "/api/v1/folder/{id}/access", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(FolderRecord f,
                          ctx_.auth->FolderFor(who, r.PathParam("id"), AccessLevel::kAdmin));
      TS_ASSIGN_OR_RETURN(std::string access, RequiredParam(r, "access"));
      TS_ASSIGN_OR_RETURN(bool is_public, PublicParam(r, f.access.is_public));
      TS_ASSIGN_OR_RETURN(AccessList list, ParseAccess(access, is_public, *ctx_.store));
      const std::string* recurse = r.Query("recurse");
      TS_RETURN_IF_ERROR(
          ctx_.store->SetFolderAccess(f.id, list, recurse && ParseBool(*recurse).value_or(false)));
      ctx_.auth->ForgetAll();
      f.access = list;
      return ApiResponse::Json(FolderJson(f, who));
    });
  });
}

void FoldersApi::RegisterCollections(Router& router) {
  router.Add("GET", "/api/v1/collection", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(ListQuery q, ListQueryParam(r));
      TS_ASSIGN_OR_RETURN(auto list, ctx_.store->ListCollections(q, Auth::FilterFor(who)));
      Json j = Json::array();
      for (const CollectionRecord& c : list) j.push_back(CollectionJson(c, who));
      return ApiResponse::Json(j);
    });
  });
  router.Add("POST", "/api/v1/collection", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_RETURN_IF_ERROR(Auth::RequireAdmin(who));
      TS_ASSIGN_OR_RETURN(std::string name, RequiredParam(r, "name"));
      name = std::string(Trim(name));
      if (name.empty()) return InvalidArgumentError("Collection name must not be empty.");
      CollectionRecord c;
      c.name = name;
      if (const std::string* d = r.Query("description")) c.description = *d;
      c.creator_id = who.user_id();
      TS_ASSIGN_OR_RETURN(c.access.is_public, PublicParam(r, false));
      c.access.users.push_back({who.user_id(), AccessLevel::kAdmin});
      TS_ASSIGN_OR_RETURN(CollectionRecord created, ctx_.store->CreateCollection(c));
      return ApiResponse::Json(CollectionJson(created, who));
    });
  });
  router.Add("GET", "/api/v1/collection/{id}", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(CollectionRecord c,
                          ctx_.auth->CollectionFor(who, r.PathParam("id"), AccessLevel::kRead));
      return ApiResponse::Json(CollectionJson(c, who));
    });
  });
  router.Add("PUT", "/api/v1/collection/{id}", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(CollectionRecord c,
                          ctx_.auth->CollectionFor(who, r.PathParam("id"), AccessLevel::kWrite));
      if (const std::string* v = r.Query("name")) {
        if (Trim(*v).empty()) return InvalidArgumentError("Collection name must not be empty.");
        c.name = std::string(Trim(*v));
      }
      if (const std::string* v = r.Query("description")) c.description = *v;
      TS_RETURN_IF_ERROR(ctx_.store->UpdateCollection(c));
      return ApiResponse::Json(CollectionJson(c, who));
    });
  });
  router.Add("DELETE", "/api/v1/collection/{id}", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(CollectionRecord c,
                          ctx_.auth->CollectionFor(who, r.PathParam("id"), AccessLevel::kAdmin));
      std::vector<std::string> removed;
      TS_RETURN_IF_ERROR(ctx_.store->DeleteCollection(c.id, &removed));
      for (const std::string& path : removed) ctx_.assetstore->Remove(path).IgnoreError();
      ctx_.auth->ForgetAll();
      return ApiResponse::Json(Json{{"message", "Deleted collection " + c.name + "."}});
    });
  });
  router.Add("GET", "/api/v1/collection/{id}/access", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(CollectionRecord c,
                          ctx_.auth->CollectionFor(who, r.PathParam("id"), AccessLevel::kAdmin));
      return ApiResponse::Json(AccessJson(c.access, *ctx_.store));
    });
  });
  router.Add("PUT", "/api/v1/collection/{id}/access", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(CollectionRecord c,
                          ctx_.auth->CollectionFor(who, r.PathParam("id"), AccessLevel::kAdmin));
      TS_ASSIGN_OR_RETURN(std::string access, RequiredParam(r, "access"));
      TS_ASSIGN_OR_RETURN(bool is_public, PublicParam(r, c.access.is_public));
      TS_ASSIGN_OR_RETURN(c.access, ParseAccess(access, is_public, *ctx_.store));
      TS_RETURN_IF_ERROR(ctx_.store->UpdateCollection(c));
      if (const std::string* rec = r.Query("recurse"); rec && ParseBool(*rec).value_or(false)) {
        ListQuery all;
        all.limit = 0;
        TS_ASSIGN_OR_RETURN(auto folders, ctx_.store->ListFolders(ParentType::kCollection, c.id,
                                                                  all, AccessFilter::All()));
        for (const FolderRecord& f : folders) {
          TS_RETURN_IF_ERROR(ctx_.store->SetFolderAccess(f.id, c.access, true));
        }
      }
      ctx_.auth->ForgetAll();
      return ApiResponse::Json(CollectionJson(c, who));
    });
  });
}

}  // namespace tessera
