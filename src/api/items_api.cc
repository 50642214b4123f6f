#include "api/items_api.h"

#include "api/auth.h"
#include "api/models_json.h"
#include "core/strings.h"

namespace tessera {

void ItemsApi::Register(Router& router) {
  router.Add("GET", "/api/v1/item", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(ListQuery q, ListQueryParam(r));
      std::string folder_id;
      if (const std::string* f = r.Query("folderId"); f && !f->empty()) {
        TS_ASSIGN_OR_RETURN(FolderRecord folder, ctx_.auth->FolderFor(who, *f, AccessLevel::kRead));
        folder_id = folder.id;
      }
      TS_ASSIGN_OR_RETURN(auto items, ctx_.store->ListItems(folder_id, q, Auth::FilterFor(who)));
      Json j = Json::array();
      for (const ItemRecord& item : items) j.push_back(ItemJson(item));
      return ApiResponse::Json(j);
    });
  });
  router.Add("POST", "/api/v1/item", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_RETURN_IF_ERROR(Auth::RequireUser(who));
      TS_ASSIGN_OR_RETURN(std::string folder_id, IdParam(r, "folderId"));
      TS_ASSIGN_OR_RETURN(std::string name, RequiredParam(r, "name"));
      name = std::string(Trim(name));
      if (name.empty()) return InvalidArgumentError("Item name must not be empty.");
      TS_ASSIGN_OR_RETURN(FolderRecord folder,
                          ctx_.auth->FolderFor(who, folder_id, AccessLevel::kWrite));
      if (const std::string* reuse = r.Query("reuseExisting");
          reuse && ParseBool(*reuse).value_or(false)) {
        ListQuery q;
        q.name = name;
        q.limit = 1;
        TS_ASSIGN_OR_RETURN(auto found, ctx_.store->ListItems(folder.id, q, AccessFilter::All()));
        if (!found.empty()) return ApiResponse::Json(ItemJson(found.front()));
      }
      ItemRecord item;
      item.name = name;
      item.folder_id = folder.id;
      item.creator_id = who.user_id();
      if (const std::string* d = r.Query("description")) item.description = *d;
      if (const std::string* m = r.Query("metadata")) {
        TS_ASSIGN_OR_RETURN(nlohmann::json meta, JsonObjectParam(*m, "metadata"));
        TS_ASSIGN_OR_RETURN(item.meta_json, MergeMetaJson("{}", meta));
      }
      TS_ASSIGN_OR_RETURN(ItemRecord created, ctx_.store->CreateItem(item));
      return ApiResponse::Json(ItemJson(created));
    });
  });
  router.Add("GET", "/api/v1/item/{id}", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(ItemRecord item,
                          ctx_.auth->ItemFor(who, r.PathParam("id"), AccessLevel::kRead));
      return ApiResponse::Json(ItemJson(item));
    });
  });
  router.Add("GET", "/api/v1/item/{id}/rootpath", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(ItemRecord item,
                          ctx_.auth->ItemFor(who, r.PathParam("id"), AccessLevel::kRead));
      TS_ASSIGN_OR_RETURN(Json chain,
                          RootPathJson(*ctx_.store, ParentType::kFolder, item.folder_id, who));
      return ApiResponse::Json(chain);
    });
  });
  router.Add("PUT", "/api/v1/item/{id}", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(ItemRecord item,
                          ctx_.auth->ItemFor(who, r.PathParam("id"), AccessLevel::kWrite));
      if (const std::string* v = r.Query("name")) {
        if (Trim(*v).empty()) return InvalidArgumentError("Item name must not be empty.");
        item.name = std::string(Trim(*v));
      }
      if (const std::string* v = r.Query("description")) item.description = *v;
      if (const std::string* m = r.Query("metadata")) {
        TS_ASSIGN_OR_RETURN(nlohmann::json meta, JsonObjectParam(*m, "metadata"));
        TS_ASSIGN_OR_RETURN(item.meta_json, MergeMetaJson(item.meta_json, meta));
      }
      if (const std::string* f = r.Query("folderId"); f && *f != item.folder_id) {
        TS_ASSIGN_OR_RETURN(FolderRecord dest, ctx_.auth->FolderFor(who, *f, AccessLevel::kWrite));
        item.folder_id = dest.id;
      }
      TS_RETURN_IF_ERROR(ctx_.store->UpdateItem(item));
      ctx_.auth->ForgetItem(item.id);
      TS_ASSIGN_OR_RETURN(ItemRecord updated, ctx_.store->GetItem(item.id));
      return ApiResponse::Json(ItemJson(updated));
    });
  });
  router.Add("DELETE", "/api/v1/item/{id}", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(ItemRecord item,
                          ctx_.auth->ItemFor(who, r.PathParam("id"), AccessLevel::kWrite));
      std::vector<std::string> removed;
      TS_RETURN_IF_ERROR(ctx_.store->DeleteItem(item.id, &removed));
      for (const std::string& path : removed) ctx_.assetstore->Remove(path).IgnoreError();
      ctx_.auth->ForgetItem(item.id);
      return ApiResponse::Json(Json{{"message", "Deleted item " + item.name + "."}});
    });
  });
  router.Add("PUT", "/api/v1/item/{id}/metadata", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(ItemRecord item,
                          ctx_.auth->ItemFor(who, r.PathParam("id"), AccessLevel::kWrite));
      TS_ASSIGN_OR_RETURN(nlohmann::json meta, JsonObjectParam(r.body, "metadata"));
      TS_ASSIGN_OR_RETURN(item.meta_json, MergeMetaJson(item.meta_json, meta));
      TS_RETURN_IF_ERROR(ctx_.store->UpdateItem(item));
      return ApiResponse::Json(ItemJson(item));
    });
  });
  router.Add("DELETE", "/api/v1/item/{id}/metadata", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(ItemRecord item,
                          ctx_.auth->ItemFor(who, r.PathParam("id"), AccessLevel::kWrite));
      nlohmann::json keys = nlohmann::json::parse(r.body, nullptr, false);
      if (!keys.is_array()) {
        return InvalidArgumentError("The body must be a JSON list of metadata keys.");
      }
      nlohmann::json update = nlohmann::json::object();
      for (const auto& k : keys) {
        if (!k.is_string()) return InvalidArgumentError("Metadata keys must be strings.");
        update[k.get<std::string>()] = nullptr;
      }
      TS_ASSIGN_OR_RETURN(item.meta_json, MergeMetaJson(item.meta_json, update));
      TS_RETURN_IF_ERROR(ctx_.store->UpdateItem(item));
      return ApiResponse::Json(ItemJson(item));
    });
  });
  router.Add("GET", "/api/v1/item/{id}/files", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_ASSIGN_OR_RETURN(ItemRecord item,
                          ctx_.auth->ItemFor(who, r.PathParam("id"), AccessLevel::kRead));
      TS_ASSIGN_OR_RETURN(ListQuery q, ListQueryParam(r));
      TS_ASSIGN_OR_RETURN(auto files, ctx_.store->ListFiles(item.id));
      Json j = Json::array();
      for (size_t i = static_cast<size_t>(q.offset);
           i < files.size() && (q.limit == 0 || j.size() < static_cast<size_t>(q.limit)); ++i) {
        j.push_back(FileJson(files[i]));
      }
      return ApiResponse::Json(j);
    });
  });
  RegisterSystem(router);
}

void ItemsApi::RegisterSystem(Router& router) {
  router.Add("GET", "/api/v1/system/version", [this](ApiRequest&) -> HandlerResult {
    Json j;
    j["release"] = ctx_.version;
    j["apiVersion"] = "1";
    j["server"] = "tessera";
    return ApiResponse::Json(j);
  });
  router.Add("GET", "/api/v1/system/check", [this](ApiRequest&) -> HandlerResult {
    Json j;
    auto count = ctx_.store->CountItems();
    j["status"] = count.ok() ? "ok" : "degraded";
    j["version"] = ctx_.version;
    j["uptimeSeconds"] = (ctx_.clock->NowNanos() - ctx_.start_nanos) / 1'000'000'000;
    j["items"] = count.ok() ? *count : -1;
    j["formats"] = ctx_.registry->names();
    return ApiResponse::Json(j, count.ok() ? 200 : 503);
  });
}

}  // namespace tessera
