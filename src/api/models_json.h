// Girder's JSON documents for Tessera's records (users, collections, folders, items, files,
// uploads, access lists) and the list/query parameters every list route shares
// (limit, offset, sort, sortdir, text, name).
// Thread-safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/api_types.h"
#include "api/auth.h"
#include "store/metadata_store.h"

namespace tessera {

using Json = nlohmann::ordered_json;

// "2026-12-02T07:46:49.123000+00:00", as Girder writes dates.
std::string IsoTime(int64_t ms);

// `viewer` decides private fields: a user's email is shown to the user and to admins only.
Json UserJson(const UserRecord& u, const Principal& viewer);
Json CollectionJson(const CollectionRecord& c, const Principal& viewer);
Json FolderJson(const FolderRecord& f, const Principal& viewer);
Json ItemJson(const ItemRecord& item);
Json FileJson(const FileRecord& f);
Json UploadJson(const UploadRecord& u);
Json TokenJson(const TokenRecord& t);
// {"users": [{"id", "level", "login", "flags": []}], "groups": []}; logins looked up in `store`.
Json AccessJson(const AccessList& access, MetadataStore& store);
// Girder's rootpath: the chain from the top collection or user down to and including the
// parent (`type`, `id`), root first, as [{"type": "collection"|"user"|"folder", "object": {...}}].
StatusOr<Json> RootPathJson(MetadataStore& store, ParentType type, const std::string& id,
                            const Principal& viewer);
// Girder's `access` parameter (the JSON above; unknown users are 400) and `public`.
StatusOr<AccessList> ParseAccess(const std::string& access_json, bool is_public,
                                 MetadataStore& store);

// limit (default `default_limit`; 0 = all), offset, sort (Girder's "lowerName" and "name" mean
// the name), sortdir (1 or -1), text, name.
StatusOr<ListQuery> ListQueryParam(const ApiRequest& r, int default_limit = 50);

// A JSON object from a parameter or body ("meta"); 400 when it is not an object.
StatusOr<nlohmann::json> JsonObjectParam(std::string_view text, std::string_view what);

// `update` merged into the JSON object `current` with Girder's metadata rules: keys may not
// contain '.' or start with '$'; a null value deletes the key.
StatusOr<std::string> MergeMetaJson(const std::string& current, const nlohmann::json& update);

// The 24-hex id parameter `name` (required): 400 "Invalid ObjectId: …" when malformed.
StatusOr<std::string> IdParam(const ApiRequest& r, const char* name);
// A required string parameter: 400 "Parameter 'name' is required." when absent.
StatusOr<std::string> RequiredParam(const ApiRequest& r, const char* name);

// Runs `body` (returning StatusOr<ApiResponse>) with the caller authenticated; errors become
// Girder's error JSON. Shared by the data-management handlers.
template <typename F>
HandlerResult WithCaller(Auth& auth, const ApiRequest& r, F&& body) {
  auto who = auth.Authenticate(r);
  if (!who.ok()) return ApiResponse::Error(who.status());
  StatusOr<ApiResponse> out = body(*who);
  if (!out.ok()) return ApiResponse::Error(out.status());
  return std::move(*out);
}

}  // namespace tessera
