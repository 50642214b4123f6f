// SqliteStore: folders, access lists and the cascade that deletes folder trees.
#include "store/sqlite_store.h"

namespace tessera {

using sqlite_store::BindListParams;
using sqlite_store::CheckAccessList;
using sqlite_store::CheckId;
using sqlite_store::ListTailSql;
using sqlite_store::NowMs;
using sqlite_store::ParseGrants;
using sqlite_store::SortField;
using sqlite_store::VisibleSql;

namespace {

// The folder ?1 and every folder below it (UNION: a cycle cannot loop).
constexpr char kSubtreeSql[] =
    "WITH RECURSIVE sub(id) AS (SELECT ?1 UNION SELECT f.id FROM folders f JOIN sub ON "
    "f.parent_type = 'folder' AND f.parent_id = sub.id) SELECT id FROM sub";
constexpr char kOneSql[] = "SELECT ?1 AS id";

constexpr char kFolderColumns[] =
    "SELECT f.id, f.name, f.description, f.parent_type, f.parent_id, f.base_parent_type, "
    "f.base_parent_id, f.creator_id, f.is_public, f.meta_json, f.created_ms, f.updated_ms, "
    "(SELECT group_concat(a.user_id || ':' || a.level) FROM access a "
    "WHERE a.resource_type = 'folder' AND a.resource_id = f.id) FROM folders f ";

ParentType ParentFromText(const std::string& text) {
  auto t = ParseParentType(text);
  return t.ok() ? *t : ParentType::kCollection;
}

FolderRecord ReadFolder(const Statement& st) {
  FolderRecord f;
  f.id = st.Text(0);
  f.name = st.Text(1);
  f.description = st.Text(2);
  f.parent_type = ParentFromText(st.Text(3));
  f.parent_id = st.Text(4);
  f.base_parent_type = ParentFromText(st.Text(5));
  f.base_parent_id = st.Text(6);
  f.creator_id = st.Text(7);
  f.access = ParseGrants(st.Bool(8), st.Text(12));
  f.meta_json = st.Text(9);
  f.created_ms = st.Int(10);
  f.updated_ms = st.Int(11);
  return f;
}

AccessList ReadAccess(const Statement& st) { return ParseGrants(st.Bool(0), st.Text(1)); }

std::string ReadString(const Statement& st) { return st.Text(0); }

const std::vector<SortField> kFolderSort = {{"name", "f.name"},
                                            {"lowerName", "lower(f.name)"},
                                            {"created", "f.created_ms"},
                                            {"updated", "f.updated_ms"}};

}  // namespace

Status SqliteStore::CheckParentLocked(ParentType type, const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  const char* sql = type == ParentType::kCollection
                        ? "SELECT count(*) FROM collections WHERE id = ?1"
                    : type == ParentType::kFolder ? "SELECT count(*) FROM folders WHERE id = ?1"
                                                  : "SELECT count(*) FROM users WHERE id = ?1";
  TS_ASSIGN_OR_RETURN(int64_t n, QueryInt(sql, id));
  if (n == 0) {
    return NotFoundError("Invalid " + std::string(ParentTypeName(type)) + " id (" + id + ").");
  }
  return Status::Ok();
}

StatusOr<FolderRecord> SqliteStore::GetFolderLocked(const std::string& id) {
  TS_ASSIGN_OR_RETURN(auto rows,
                      Query(std::string(kFolderColumns) + "WHERE f.id = ?1", ReadFolder, id));
  if (rows.empty()) return NotFoundError("Invalid folder id (" + id + ").");
  return rows.front();
}

Status SqliteStore::WriteAccess(std::string_view resource_type, const std::string& ids_sql,
                                const std::string& id, const AccessList& access) {
  TS_RETURN_IF_ERROR(CheckAccessList(access));
  const std::string table = resource_type == "collection" ? "collections" : "folders";
  const std::string type(resource_type);
  TS_RETURN_IF_ERROR(Run("UPDATE " + table + " SET is_public = ?2 WHERE id IN (" + ids_sql + ")",
                         id, access.is_public)
                         .status());
  TS_RETURN_IF_ERROR(
      Run("DELETE FROM access WHERE resource_type = ?2 AND resource_id IN (" + ids_sql + ")", id,
          type)
          .status());
  for (const AccessGrant& g : access.users) {
    if (g.level == AccessLevel::kNone) continue;
    TS_RETURN_IF_ERROR(Run("INSERT OR REPLACE INTO access (resource_type, resource_id, user_id, "
                           "level) SELECT ?2, x.id, ?3, ?4 FROM (" +
                               ids_sql + ") x",
                           id, type, g.user_id, static_cast<int>(g.level))
                           .status());
  }
  return Status::Ok();
}

Status SqliteStore::DeleteFoldersLocked(const std::string& folders_sql, const std::string& id,
                                        std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(DeleteItemsLocked(
      "SELECT id FROM items WHERE folder_id IN (" + folders_sql + ")", id, removed_paths));
  const std::string uploads_where =
      " FROM uploads WHERE parent_is_item = 0 AND parent_id IN (" + folders_sql + ")";
  TS_ASSIGN_OR_RETURN(auto temps, Query("SELECT temp_path" + uploads_where + " AND temp_path <> ''",
                                        ReadString, id));
  removed_paths->insert(removed_paths->end(), temps.begin(), temps.end());
  TS_RETURN_IF_ERROR(Run("DELETE" + uploads_where, id).status());
  TS_RETURN_IF_ERROR(Run("DELETE FROM access WHERE resource_type = 'folder' AND resource_id IN (" +
                             folders_sql + ")",
                         id)
                         .status());
  return Run("DELETE FROM folders WHERE id IN (" + folders_sql + ")", id).status();
}

StatusOr<FolderRecord> SqliteStore::CreateFolder(FolderRecord f) {
  if (f.name.empty()) return InvalidArgumentError("Folder name must not be empty.");
  if (f.id.empty()) f.id = NewObjectId();
  TS_RETURN_IF_ERROR(CheckId(f.id));
  TS_RETURN_IF_ERROR(CheckId(f.parent_id));
  TS_RETURN_IF_ERROR(CheckAccessList(f.access));
  if (f.created_ms == 0) f.created_ms = NowMs();
  if (f.updated_ms == 0) f.updated_ms = f.created_ms;
  if (f.meta_json.empty()) f.meta_json = "{}";
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_RETURN_IF_ERROR(CheckParentLocked(f.parent_type, f.parent_id));
  switch (f.parent_type) {
    case ParentType::kCollection: {
      TS_ASSIGN_OR_RETURN(
          auto access,
          Query("SELECT c.is_public, (SELECT group_concat(a.user_id || ':' || a.level) FROM "
                "access a WHERE a.resource_type = 'collection' AND a.resource_id = c.id) FROM "
                "collections c WHERE c.id = ?1",
                ReadAccess, f.parent_id));
      f.access = access.front();
      f.base_parent_type = ParentType::kCollection;
      f.base_parent_id = f.parent_id;
      break;
    }
    case ParentType::kFolder: {
      TS_ASSIGN_OR_RETURN(FolderRecord parent, GetFolderLocked(f.parent_id));
      f.access = parent.access;
      f.base_parent_type = parent.base_parent_type;
      f.base_parent_id = parent.base_parent_id;
      break;
    }
    case ParentType::kUser:
      f.base_parent_type = ParentType::kUser;
      f.base_parent_id = f.parent_id;
      break;
  }
  Status s = Run("INSERT INTO folders (id, name, description, parent_type, parent_id, "
                 "base_parent_type, base_parent_id, creator_id, is_public, meta_json, created_ms, "
                 "updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                 f.id, f.name, f.description, ParentTypeName(f.parent_type), f.parent_id,
                 ParentTypeName(f.base_parent_type), f.base_parent_id, f.creator_id,
                 f.access.is_public, f.meta_json, f.created_ms, f.updated_ms)
                 .status();
  if (s.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("A folder with that name already exists here.");
  }
  TS_RETURN_IF_ERROR(s);
  TS_RETURN_IF_ERROR(WriteAccess("folder", kOneSql, f.id, f.access));
  TS_RETURN_IF_ERROR(txn.Commit());
  return f;
}

StatusOr<FolderRecord> SqliteStore::GetFolder(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  return GetFolderLocked(id);
}

StatusOr<std::vector<FolderRecord>> SqliteStore::ListFolders(ParentType parent_type,
                                                             const std::string& parent_id,
                                                             const ListQuery& query,
                                                             const AccessFilter& filter) {
  TS_RETURN_IF_ERROR(CheckId(parent_id));
  TS_ASSIGN_OR_RETURN(std::string tail,
                      ListTailSql({"f.name"}, "f.name", "f.id", query, kFolderSort));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Statement st,
                      db_->Prepare(std::string(kFolderColumns) +
                                   "WHERE f.parent_type = ?1 AND f.parent_id = ?2 AND " +
                                   VisibleSql("f", "folder") + tail));
  st.Bind(1, ParentTypeName(parent_type)).Bind(2, parent_id);
  BindListParams(&st, filter, query);
  std::vector<FolderRecord> out;
  while (true) {
    TS_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.push_back(ReadFolder(st));
  }
}

Status SqliteStore::UpdateFolder(const FolderRecord& f) {
  TS_RETURN_IF_ERROR(CheckId(f.id));
  if (f.name.empty()) return InvalidArgumentError("Folder name must not be empty.");
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(FolderRecord old, GetFolderLocked(f.id));
  ParentType base_type = old.base_parent_type;
  std::string base_id = old.base_parent_id;
  const bool moved = f.parent_type != old.parent_type || f.parent_id != old.parent_id;
  if (moved) {
    TS_RETURN_IF_ERROR(CheckParentLocked(f.parent_type, f.parent_id));
    if (f.parent_type == ParentType::kFolder) {
      TS_ASSIGN_OR_RETURN(int64_t inside, QueryInt("SELECT count(*) FROM (" +
                                                       std::string(kSubtreeSql) + ") WHERE id = ?2",
                                                   f.id, f.parent_id));
      if (inside > 0) return InvalidArgumentError("You may not move a folder underneath itself.");
      TS_ASSIGN_OR_RETURN(FolderRecord parent, GetFolderLocked(f.parent_id));
      base_type = parent.base_parent_type;
      base_id = parent.base_parent_id;
    } else {
      base_type = f.parent_type;
      base_id = f.parent_id;
    }
  }
  Status s = Run("UPDATE folders SET name = ?2, description = ?3, parent_type = ?4, parent_id = "
                 "?5, meta_json = ?6, updated_ms = ?7 WHERE id = ?1",
                 f.id, f.name, f.description, ParentTypeName(f.parent_type), f.parent_id,
                 f.meta_json.empty() ? std::string("{}") : f.meta_json, NowMs())
                 .status();
  if (s.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("A folder with that name already exists here.");
  }
  TS_RETURN_IF_ERROR(s);
  if (base_type != old.base_parent_type || base_id != old.base_parent_id) {
    TS_RETURN_IF_ERROR(Run("UPDATE folders SET base_parent_type = ?2, base_parent_id = ?3 WHERE "
                           "id IN (" +
                               std::string(kSubtreeSql) + ")",
                           f.id, ParentTypeName(base_type), base_id)
                           .status());
  }
  return txn.Commit();
}

Status SqliteStore::SetFolderAccess(const std::string& id, const AccessList& access, bool recurse) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(int64_t exists, QueryInt("SELECT count(*) FROM folders WHERE id = ?1", id));
  if (exists == 0) return NotFoundError("Invalid folder id (" + id + ").");
  TS_RETURN_IF_ERROR(WriteAccess("folder", recurse ? kSubtreeSql : kOneSql, id, access));
  return txn.Commit();
}

Status SqliteStore::DeleteFolder(const std::string& id, std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(int64_t exists, QueryInt("SELECT count(*) FROM folders WHERE id = ?1", id));
  if (exists == 0) return NotFoundError("Invalid folder id (" + id + ").");
  std::vector<std::string> paths;
  TS_RETURN_IF_ERROR(DeleteFoldersLocked(kSubtreeSql, id, &paths));
  TS_RETURN_IF_ERROR(txn.Commit());
  if (removed_paths != nullptr) {
    removed_paths->insert(removed_paths->end(), paths.begin(), paths.end());
  }
  return Status::Ok();
}

}  // namespace tessera
