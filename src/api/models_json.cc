#include "api/models_json.h"

#include <ctime>

#include "core/strings.h"

namespace tessera {

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

namespace {

Json MetaOf(const std::string& meta_json) {
  Json meta = Json::parse(meta_json, nullptr, /*allow_exceptions=*/false);
  return meta.is_object() ? meta : Json::object();
}

int LevelValue(AccessLevel l) { return static_cast<int>(l); }

}  // namespace

Json UserJson(const UserRecord& u, const Principal& viewer) {
  Json j;
  j["_id"] = u.id;
  j["_modelType"] = "user";
  j["login"] = u.login;
  if (viewer.admin() || viewer.user_id() == u.id) j["email"] = u.email;
  j["firstName"] = u.first_name;
  j["lastName"] = u.last_name;
  j["admin"] = u.admin;
  j["created"] = IsoTime(u.created_ms);
  j["public"] = true;
  j["status"] = "enabled";
  j["emailVerified"] = true;
  j["_accessLevel"] = viewer.admin()             ? LevelValue(AccessLevel::kAdmin)
                      : viewer.user_id() == u.id ? LevelValue(AccessLevel::kAdmin)
                                                 : LevelValue(AccessLevel::kRead);
  return j;
}

Json CollectionJson(const CollectionRecord& c, const Principal& viewer) {
  Json j;
  j["_id"] = c.id;
  j["_modelType"] = "collection";
  j["name"] = c.name;
  j["description"] = c.description;
  j["public"] = c.access.is_public;
  j["creatorId"] = c.creator_id;
  j["created"] = IsoTime(c.created_ms);
  j["updated"] = IsoTime(c.updated_ms);
  j["meta"] = Json::object();
  j["_accessLevel"] = LevelValue(Auth::LevelOn(viewer, c.access));
  return j;
}

Json FolderJson(const FolderRecord& f, const Principal& viewer) {
  Json j;
  j["_id"] = f.id;
  j["_modelType"] = "folder";
  j["name"] = f.name;
  j["description"] = f.description;
  j["parentCollection"] = std::string(ParentTypeName(f.parent_type));
  j["parentId"] = f.parent_id;
  j["baseParentType"] = std::string(ParentTypeName(f.base_parent_type));
  j["baseParentId"] = f.base_parent_id;
  j["creatorId"] = f.creator_id;
  j["public"] = f.access.is_public;
  j["created"] = IsoTime(f.created_ms);
  j["updated"] = IsoTime(f.updated_ms);
  j["meta"] = MetaOf(f.meta_json);
  j["_accessLevel"] = LevelValue(Auth::LevelOn(viewer, f.access));
  return j;
}

Json ItemJson(const ItemRecord& item) {
  Json j;
  j["_id"] = item.id;
  j["_modelType"] = "item";
  j["name"] = item.name;
  j["description"] = item.description;
  j["folderId"] = item.folder_id;
  j["creatorId"] = item.creator_id;
  j["created"] = IsoTime(item.created_ms);
  j["updated"] = IsoTime(item.updated_ms);
  j["size"] = item.size;
  j["meta"] = MetaOf(item.meta_json);
  if (!item.source_name.empty()) {
    j["largeImage"] = {{"fileId", item.large_image_file_id}, {"sourceName", item.source_name}};
  } else if (!item.large_image_job_id.empty()) {
    j["largeImage"] = {{"expected", true}, {"jobId", item.large_image_job_id}};
  }
  return j;
}

Json FileJson(const FileRecord& f) {
  Json j;
  j["_id"] = f.id;
  j["_modelType"] = "file";
  j["name"] = f.name;
  j["itemId"] = f.item_id;
  j["size"] = f.size;
  j["mimeType"] = f.mime_type;
  j["creatorId"] = f.creator_id;
  j["created"] = IsoTime(f.created_ms);
  if (!f.sha512.empty()) j["sha512"] = f.sha512;
  j["imported"] = f.imported;
  j["assetstoreId"] = "000000000000000000000001";
  Json exts = Json::array();
  for (std::string_view rest = f.name; !rest.empty();) {
    size_t dot = rest.find('.');
    if (dot == std::string_view::npos) break;
    rest = rest.substr(dot + 1);
    size_t next = rest.find('.');
    exts.push_back(std::string(rest.substr(0, next)));
  }
  j["exts"] = exts;
  return j;
}

Json UploadJson(const UploadRecord& u) {
  Json j;
  j["_id"] = u.id;
  j["_modelType"] = "upload";
  j["name"] = u.name;
  j["size"] = u.size;
  j["received"] = u.received;
  j["parentType"] = u.parent_is_item ? "item" : "folder";
  j["parentId"] = u.parent_id;
  j["userId"] = u.user_id;
  j["mimeType"] = u.mime_type;
  j["created"] = IsoTime(u.created_ms);
  j["updated"] = IsoTime(u.updated_ms);
  return j;
}

Json TokenJson(const TokenRecord& t) {
  Json j;
  j["token"] = t.token;
  j["expires"] = IsoTime(t.expires_ms);
  j["scope"] = Json::array({"core.user_auth"});
  return j;
}

Json AccessJson(const AccessList& access, MetadataStore& store) {
  Json users = Json::array();
  for (const AccessGrant& g : access.users) {
    Json u;
    u["id"] = g.user_id;
    u["level"] = LevelValue(g.level);
    auto user = store.GetUser(g.user_id);
    u["login"] = user.ok() ? user->login : "";
    u["flags"] = Json::array();
    users.push_back(std::move(u));
  }
  Json j;
  j["users"] = std::move(users);
  j["groups"] = Json::array();
  return j;
}

StatusOr<AccessList> ParseAccess(const std::string& access_json, bool is_public,
                                 MetadataStore& store) {
  AccessList out;
  out.is_public = is_public;
  nlohmann::json j = nlohmann::json::parse(access_json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return InvalidArgumentError("The access parameter must be a JSON object.");
  if (j.contains("users")) {
    if (!j["users"].is_array()) return InvalidArgumentError("access.users must be a list.");
    for (const auto& u : j["users"]) {
      if (!u.is_object() || !u.contains("id") || !u["id"].is_string() || !u.contains("level") ||
          !u["level"].is_number_integer()) {
        return InvalidArgumentError("Each access.users entry needs an id and an integer level.");
      }
      int level = u["level"].get<int>();
      if (level < 0 || level > 2) {
        return InvalidArgumentError("Access level must be 0 (read), 1 (write) or 2 (admin).");
      }
      const std::string id = u["id"].get<std::string>();
      if (!IsObjectId(id)) return InvalidArgumentError("Invalid ObjectId: " + id);
      auto user = store.GetUser(id);
      if (!user.ok()) {
        if (user.status().code() == StatusCode::kNotFound) {
          return InvalidArgumentError("No such user: " + id);
        }
        return user.status();
      }
      bool merged = false;
      for (AccessGrant& g : out.users) {
        if (g.user_id == id) {
          g.level = static_cast<AccessLevel>(std::max(static_cast<int>(g.level), level));
          merged = true;
        }
      }
      if (!merged) out.users.push_back({id, static_cast<AccessLevel>(level)});
    }
  }
  if (j.contains("groups") && !(j["groups"].is_array() && j["groups"].empty())) {
    return InvalidArgumentError("Groups are not supported; grant users instead.");
  }
  return out;
}

// Girder's metadata rules: keys may not contain '.' or start with '$'; null deletes.
StatusOr<std::string> MergeMetaJson(const std::string& current, const nlohmann::json& update) {
  nlohmann::json meta = nlohmann::json::parse(current, nullptr, false);
  if (!meta.is_object()) meta = nlohmann::json::object();
  for (auto it = update.begin(); it != update.end(); ++it) {
    const std::string& key = it.key();
    if (key.empty() || key.find('.') != std::string::npos || key.front() == '$') {
      return InvalidArgumentError("Invalid key " + key +
                                  ": keys must not contain '.' or start with '$'.");
    }
    if (it->is_null()) {
      meta.erase(key);
    } else {
      meta[key] = *it;
    }
  }
  return meta.dump();
}

StatusOr<Json> RootPathJson(MetadataStore& store, ParentType type, const std::string& id,
                            const Principal& viewer) {
  Json chain = Json::array();
  ParentType t = type;
  std::string at = id;
  // Folders nest at most this deep in practice; the bound also stops a corrupt cycle.
  for (int depth = 0; depth < 1000; ++depth) {
    Json entry = Json::object();
    entry["type"] = ParentTypeName(t);
    if (t == ParentType::kFolder) {
      TS_ASSIGN_OR_RETURN(FolderRecord f, store.GetFolder(at));
      entry["object"] = FolderJson(f, viewer);
      chain.push_back(std::move(entry));
      t = f.parent_type;
      at = f.parent_id;
      continue;
    }
    if (t == ParentType::kCollection) {
      TS_ASSIGN_OR_RETURN(CollectionRecord c, store.GetCollection(at));
      entry["object"] = CollectionJson(c, viewer);
    } else {
      TS_ASSIGN_OR_RETURN(UserRecord u, store.GetUser(at));
      entry["object"] = UserJson(u, viewer);
    }
    chain.push_back(std::move(entry));
    Json root_first = Json::array();
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) root_first.push_back(std::move(*it));
    return root_first;
  }
  return InternalError("the folder chain above " + id + " does not end");
}

StatusOr<ListQuery> ListQueryParam(const ApiRequest& r, int default_limit) {
  ListQuery q;
  q.limit = default_limit;
  if (const std::string* v = r.Query("limit"); v && !v->empty()) {
    auto n = ParseInt(*v);
    if (!n || *n < 0) return InvalidArgumentError("Invalid value for limit: \"" + *v + "\".");
    q.limit = static_cast<int>(std::min<int64_t>(*n, 1 << 30));
  }
  if (const std::string* v = r.Query("offset"); v && !v->empty()) {
    auto n = ParseInt(*v);
    if (!n || *n < 0) return InvalidArgumentError("Invalid value for offset: \"" + *v + "\".");
    q.offset = static_cast<int>(std::min<int64_t>(*n, 1 << 30));
  }
  if (const std::string* v = r.Query("sort"); v && !v->empty()) {
    q.sort = *v == "lowerName" ? "name" : *v;
    if (q.sort != "name" && q.sort != "created" && q.sort != "updated" && q.sort != "size" &&
        q.sort != "login") {
      return InvalidArgumentError("Invalid sort field: \"" + *v + "\".");
    }
  }
  if (const std::string* v = r.Query("sortdir"); v && !v->empty()) {
    if (*v == "-1") {
      q.descending = true;
    } else if (*v != "1") {
      return InvalidArgumentError("Invalid value for sortdir: \"" + *v + "\" (1 or -1).");
    }
  }
  if (const std::string* v = r.Query("text")) q.text = *v;
  if (const std::string* v = r.Query("name")) q.name = *v;
  return q;
}

StatusOr<nlohmann::json> JsonObjectParam(std::string_view text, std::string_view what) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return InvalidArgumentError("Invalid JSON passed in " + std::string(what) + ".");
  }
  if (!j.is_object()) {
    return InvalidArgumentError("The " + std::string(what) + " must be a JSON object.");
  }
  return j;
}

StatusOr<std::string> RequiredParam(const ApiRequest& r, const char* name) {
  const std::string* v = r.Query(name);
  if (!v) return InvalidArgumentError("Parameter '" + std::string(name) + "' is required.");
  return *v;
}

StatusOr<std::string> IdParam(const ApiRequest& r, const char* name) {
  TS_ASSIGN_OR_RETURN(std::string v, RequiredParam(r, name));
  if (!IsObjectId(v)) return InvalidArgumentError("Invalid ObjectId: " + v);
  return v;
}

}  // namespace tessera
