#include "api/assetstore_api.h"

#include "api/auth.h"
#include "api/importer.h"
#include "api/models_json.h"

namespace tessera {

void AssetstoreApi::Register(Router& router) {
  router.Add("GET", "/api/v1/assetstore", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_RETURN_IF_ERROR(Auth::RequireAdmin(who));
      Json a;
      a["_id"] = kAssetstoreId;
      a["_modelType"] = "assetstore";
      a["name"] = "Filesystem";
      a["type"] = 0;
      a["root"] = ctx_.assetstore->root();
      a["current"] = true;
      auto free_bytes = ctx_.assetstore->FreeBytes();
      if (free_bytes.ok()) a["capacity"] = Json{{"free", *free_bytes}};
      Json roots = Json::array();
      for (const std::string& root : ctx_.import_roots) roots.push_back(root);
      a["importRoots"] = roots;
      return ApiResponse::Json(Json::array({a}));
    });
  });
  router.Add("POST", "/api/v1/assetstore/{id}/import", [this](ApiRequest& r) -> HandlerResult {
    auto who = ctx_.auth->Authenticate(r);
    if (!who.ok()) return ApiResponse::Error(who.status());
    // Walking a tree and probing files is blocking work.
    return Deferred([this, who = *who, r]() -> ApiResponse {
      auto run = [&]() -> StatusOr<ApiResponse> {
        TS_RETURN_IF_ERROR(Auth::RequireAdmin(who));
        if (r.PathParam("id") != kAssetstoreId) {
          return NotFoundError("Invalid assetstore id (" + r.PathParam("id") + ").");
        }
        TS_ASSIGN_OR_RETURN(std::string path, RequiredParam(r, "importPath"));
        TS_ASSIGN_OR_RETURN(std::string dest, IdParam(r, "destinationId"));
        TS_ASSIGN_OR_RETURN(std::string type, RequiredParam(r, "destinationType"));
        if (ctx_.import_roots.empty()) {
          return PermissionDeniedError(
              "Server-side import is disabled: no import roots are configured (import-roots).");
        }
        if (path.empty() || path.front() != '/') {
          return InvalidArgumentError("importPath must be an absolute path.");
        }
        ImportOptions options;
        options.creator_id = who.user_id();
        options.roots = ctx_.import_roots;
        options.open = ctx_.open;
        TS_ASSIGN_OR_RETURN(ParentType t, ParseParentType(type));
        if (t == ParentType::kFolder) {
          TS_ASSIGN_OR_RETURN(FolderRecord f, ctx_.store->GetFolder(dest));
          options.folder_id = f.id;
        } else {
          // Into a folder named after the import directory, under the collection or user.
          std::string name = path;
          while (name.size() > 1 && name.back() == '/') name.pop_back();
          name = name.substr(name.find_last_of('/') + 1);
          ListQuery q;
          q.name = name;
          q.limit = 1;
          TS_ASSIGN_OR_RETURN(auto found, ctx_.store->ListFolders(t, dest, q, AccessFilter::All()));
          if (!found.empty()) {
            options.folder_id = found.front().id;
          } else {
            FolderRecord f;
            f.name = name.empty() ? "Imported" : name;
            f.parent_type = t;
            f.parent_id = dest;
            f.creator_id = who.user_id();
            if (t == ParentType::kUser) f.access.users.push_back({dest, AccessLevel::kAdmin});
            TS_ASSIGN_OR_RETURN(FolderRecord created, ctx_.store->CreateFolder(f));
            options.folder_id = created.id;
          }
        }
        int imported = 0, existing = 0, large = 0;
        Json errors = Json::array();
        TS_RETURN_IF_ERROR(
            ImportPaths(*ctx_.store, *ctx_.registry, {path}, options, [&](const ImportResult& res) {
              if (res.item.id.empty()) {
                errors.push_back({{"path", res.path}, {"error", res.error}});
                return;
              }
              (res.existing ? existing : imported)++;
              if (!res.item.source_name.empty()) ++large;
            }));
        Json j;
        j["folderId"] = options.folder_id;
        j["imported"] = imported;
        j["existing"] = existing;
        j["largeImages"] = large;
        j["errors"] = errors;
        return ApiResponse::Json(j);
      };
      auto out = run();
      return out.ok() ? std::move(*out) : ApiResponse::Error(out.status());
    });
  });
}

}  // namespace tessera
