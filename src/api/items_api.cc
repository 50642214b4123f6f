#include "api/items_api.h"

#include <ctime>

#include "api/admin_api.h"
#include "api/dzi_api.h"
#include "api/frames_api.h"
#include "api/iiif_api.h"
#include "api/images_api.h"
#include "api/jobs_api.h"
#include "api/params.h"
#include "api/region_api.h"
#include "api/tiles_api.h"

namespace tessera {
namespace {

std::string IsoTime(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof(out), "%s.%03d000+00:00", buf, static_cast<int>(ms % 1000));
  return out;
}

}  // namespace

nlohmann::ordered_json ItemJson(const ItemRecord& item) {
  nlohmann::ordered_json j;
  j["_id"] = item.id;
  j["_modelType"] = "item";
  j["name"] = item.name;
  j["description"] = "";
  j["folderId"] = nullptr;
  j["created"] = IsoTime(item.created_ms);
  j["updated"] = IsoTime(item.updated_ms);
  j["size"] = item.size;
  j["meta"] = nlohmann::ordered_json::object();
  if (!item.source_name.empty()) {
    j["largeImage"] = {{"fileId", item.id}, {"sourceName", item.source_name}};
  }
  return j;
}

void ItemsApi::Register(Router& router) {
  router.Add("GET", "/api/v1/item", [this](ApiRequest& r) -> HandlerResult {
    auto limit = IntParam(r, "limit", 0, 100000);
    auto offset = IntParam(r, "offset", 0, int64_t{1} << 40);
    if (!limit.ok()) return ApiResponse::Error(limit.status());
    if (!offset.ok()) return ApiResponse::Error(offset.status());
    const std::string* text = r.Query("text");
    auto items = ctx_.store->ListItems(static_cast<int>(limit->value_or(50)),
                                       static_cast<int>(offset->value_or(0)), text ? *text : "");
    if (!items.ok()) return ApiResponse::Error(items.status());
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& item : *items) j.push_back(ItemJson(item));
    return ApiResponse::Json(j);
  });
  router.Add("GET", "/api/v1/item/{id}", [this](ApiRequest& r) -> HandlerResult {
    auto item = ctx_.store->GetItem(r.PathParam("id"));
    if (!item.ok()) return ApiResponse::Error(item.status());
    return ApiResponse::Json(ItemJson(*item));
  });
  router.Add("GET", "/api/v1/system/version", [this](ApiRequest&) -> HandlerResult {
    nlohmann::ordered_json j;
    j["release"] = ctx_.version;
    j["apiVersion"] = "1";
    j["server"] = "tessera";
    return ApiResponse::Json(j);
  });
  router.Add("GET", "/api/v1/system/check", [this](ApiRequest&) -> HandlerResult {
    nlohmann::ordered_json j;
    auto count = ctx_.store->CountItems();
    j["status"] = count.ok() ? "ok" : "degraded";
    j["version"] = ctx_.version;
    j["uptimeSeconds"] = (ctx_.clock->NowNanos() - ctx_.start_nanos) / 1'000'000'000;
    j["items"] = count.ok() ? *count : -1;
    j["formats"] = ctx_.registry->names();
    return ApiResponse::Json(j, count.ok() ? 200 : 503);
  });
}

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
  add(std::make_shared<JobsApi>(ctx));
  add(std::make_shared<ItemsApi>(ctx));
  return router;
}

}  // namespace tessera
