// PostgresStore: folders, access lists and the cascade that deletes folder trees.
#include "store/postgres_store.h"

namespace tessera {

using postgres_store::CheckAccessList;
using postgres_store::CheckId;
using postgres_store::Exec;
using postgres_store::ListTailSql;
using postgres_store::NowMs;
using postgres_store::ParseGrants;
using postgres_store::Query;
using postgres_store::QueryInt;
using postgres_store::QueryList;
using postgres_store::ReadString;
using postgres_store::SortField;
using postgres_store::VisibleSql;

namespace {

// The folder $1 and every folder below it (UNION: a cycle cannot loop).
constexpr char kSubtreeSql[] =
    "WITH RECURSIVE sub(id) AS (SELECT $1::text COLLATE \"C\" UNION SELECT f.id FROM folders f "
    "JOIN sub ON "
    "f.parent_type = 'folder' AND f.parent_id = sub.id) SELECT id FROM sub";
constexpr char kOneSql[] = "SELECT $1::text AS id";

constexpr char kFolderColumns[] =
    "SELECT f.id, f.name, f.description, f.parent_type, f.parent_id, f.base_parent_type, "
    "f.base_parent_id, f.creator_id, f.is_public, f.meta_json, f.created_ms, f.updated_ms, "
    "(SELECT string_agg(a.user_id || ':' || a.level, ',' ORDER BY a.user_id) FROM access a "
    "WHERE a.resource_type = 'folder' AND a.resource_id = f.id) FROM folders f ";

ParentType ParentFromText(const std::string& text) {
  auto t = ParseParentType(text);
  return t.ok() ? *t : ParentType::kCollection;
}

FolderRecord ReadFolder(const PgResult& r, int row) {
  FolderRecord f;
  f.id = r.Text(row, 0);
  f.name = r.Text(row, 1);
  f.description = r.Text(row, 2);
  f.parent_type = ParentFromText(r.Text(row, 3));
  f.parent_id = r.Text(row, 4);
  f.base_parent_type = ParentFromText(r.Text(row, 5));
  f.base_parent_id = r.Text(row, 6);
  f.creator_id = r.Text(row, 7);
  f.access = ParseGrants(r.Bool(row, 8), r.Text(row, 12));
  f.meta_json = r.Text(row, 9);
  f.created_ms = r.Int(row, 10);
  f.updated_ms = r.Int(row, 11);
  return f;
}

AccessList ReadAccess(const PgResult& r, int row) {
  return ParseGrants(r.Bool(row, 0), r.Text(row, 1));
}

const std::vector<SortField> kFolderSort = {{"name", "f.name"},
                                            {"lowerName", "lower(f.name)"},
                                            {"created", "f.created_ms"},
                                            {"updated", "f.updated_ms"}};

}  // namespace

Status PostgresStore::CheckParent(PgConnection& c, ParentType type, const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  const char* sql = type == ParentType::kCollection
                        ? "SELECT count(*) FROM collections WHERE id = $1"
                    : type == ParentType::kFolder ? "SELECT count(*) FROM folders WHERE id = $1"
                                                  : "SELECT count(*) FROM users WHERE id = $1";
  TS_ASSIGN_OR_RETURN(int64_t n, QueryInt(c, sql, id));
  if (n == 0) {
    return NotFoundError("Invalid " + std::string(ParentTypeName(type)) + " id (" + id + ").");
  }
  return Status::Ok();
}

StatusOr<FolderRecord> PostgresStore::GetFolderOn(PgConnection& c, const std::string& id) {
  TS_ASSIGN_OR_RETURN(auto rows,
                      Query(c, std::string(kFolderColumns) + "WHERE f.id = $1", ReadFolder, id));
  if (rows.empty()) return NotFoundError("Invalid folder id (" + id + ").");
  return rows.front();
}

Status PostgresStore::WriteAccess(PgConnection& c, std::string_view resource_type,
                                  const std::string& ids_sql, const std::string& id,
                                  const AccessList& access) {
  TS_RETURN_IF_ERROR(CheckAccessList(access));
  // The table name comes from this fixed choice, never from input.
  const std::string table = resource_type == "collection" ? "collections" : "folders";
  const std::string type(resource_type);
  TS_RETURN_IF_ERROR(Exec(c,
                          "UPDATE " + table + " SET is_public = $2 WHERE id IN (" + ids_sql + ")",
                          id, access.is_public)
                         .status());
  TS_RETURN_IF_ERROR(
      Exec(c, "DELETE FROM access WHERE resource_type = $2 AND resource_id IN (" + ids_sql + ")",
           id, type)
          .status());
  for (const AccessGrant& g : access.users) {
    if (g.level == AccessLevel::kNone) continue;
    // A later grant for the same user replaces an earlier one, as SQLite's INSERT OR REPLACE.
    TS_RETURN_IF_ERROR(Exec(c,
                            "INSERT INTO access (resource_type, resource_id, user_id, level) "
                            "SELECT $2, x.id, $3, $4 FROM (" +
                                ids_sql +
                                ") x ON CONFLICT (resource_type, resource_id, user_id) DO UPDATE "
                                "SET level = EXCLUDED.level",
                            id, type, g.user_id, static_cast<int64_t>(g.level))
                           .status());
  }
  return Status::Ok();
}

Status PostgresStore::DeleteFolders(PgConnection& c, const std::string& folders_sql,
                                    const std::string& id, std::vector<std::string>* paths) {
  TS_RETURN_IF_ERROR(
      DeleteItems(c, "SELECT id FROM items WHERE folder_id IN (" + folders_sql + ")", id, paths));
  const std::string uploads_where =
      " FROM uploads WHERE NOT parent_is_item AND parent_id IN (" + folders_sql + ")";
  TS_ASSIGN_OR_RETURN(
      auto temps,
      Query(c, "SELECT temp_path" + uploads_where + " AND temp_path <> ''", ReadString, id));
  paths->insert(paths->end(), temps.begin(), temps.end());
  TS_RETURN_IF_ERROR(Exec(c, "DELETE" + uploads_where, id).status());
  TS_RETURN_IF_ERROR(Exec(c,
                          "DELETE FROM access WHERE resource_type = 'folder' AND resource_id IN (" +
                              folders_sql + ")",
                          id)
                         .status());
  return Exec(c, "DELETE FROM folders WHERE id IN (" + folders_sql + ")", id).status();
}

StatusOr<FolderRecord> PostgresStore::CreateFolder(FolderRecord f) {
  if (f.name.empty()) return InvalidArgumentError("Folder name must not be empty.");
  if (f.id.empty()) f.id = NewObjectId();
  TS_RETURN_IF_ERROR(CheckId(f.id));
  TS_RETURN_IF_ERROR(CheckId(f.parent_id));
  TS_RETURN_IF_ERROR(CheckAccessList(f.access));
  if (f.created_ms == 0) f.created_ms = NowMs();
  if (f.updated_ms == 0) f.updated_ms = f.created_ms;
  if (f.meta_json.empty()) f.meta_json = "{}";
  const AccessList given = f.access;
  TS_RETURN_IF_ERROR(Write([&](PgConnection& c) -> Status {
    f.access = given;
    TS_RETURN_IF_ERROR(CheckParent(c, f.parent_type, f.parent_id));
    switch (f.parent_type) {
      case ParentType::kCollection: {
        TS_ASSIGN_OR_RETURN(
            auto access,
            Query(c,
                  "SELECT c.is_public, (SELECT string_agg(a.user_id || ':' || a.level, ',' ORDER "
                  "BY a.user_id) FROM access a WHERE a.resource_type = 'collection' AND "
                  "a.resource_id = c.id) FROM collections c WHERE c.id = $1",
                  ReadAccess, f.parent_id));
        f.access = access.front();
        f.base_parent_type = ParentType::kCollection;
        f.base_parent_id = f.parent_id;
        break;
      }
      case ParentType::kFolder: {
        TS_ASSIGN_OR_RETURN(FolderRecord parent, GetFolderOn(c, f.parent_id));
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
    Status s = Exec(c,
                    "INSERT INTO folders (id, name, description, parent_type, parent_id, "
                    "base_parent_type, base_parent_id, creator_id, is_public, meta_json, "
                    "created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                    "$11, $12)",
                    f.id, f.name, f.description, ParentTypeName(f.parent_type), f.parent_id,
                    ParentTypeName(f.base_parent_type), f.base_parent_id, f.creator_id,
                    f.access.is_public, f.meta_json, f.created_ms, f.updated_ms)
                   .status();
    if (s.code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError("A folder with that name already exists here.");
    }
    TS_RETURN_IF_ERROR(s);
    return WriteAccess(c, "folder", kOneSql, f.id, f.access);
  }));
  return f;
}

StatusOr<FolderRecord> PostgresStore::GetFolder(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  FolderRecord out;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(out, GetFolderOn(c, id));
    return Status::Ok();
  }));
  return out;
}

StatusOr<std::vector<FolderRecord>> PostgresStore::ListFolders(ParentType parent_type,
                                                               const std::string& parent_id,
                                                               const ListQuery& query,
                                                               const AccessFilter& filter) {
  TS_RETURN_IF_ERROR(CheckId(parent_id));
  TS_ASSIGN_OR_RETURN(std::string tail,
                      ListTailSql({"f.name"}, "f.name", "f.id", query, kFolderSort));
  const std::string sql = std::string(kFolderColumns) +
                          "WHERE f.parent_type = $1 AND f.parent_id = $2 AND " +
                          VisibleSql("f", "folder") + tail;
  std::vector<FolderRecord> out;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(out, QueryList(c, sql, PgParams::Of(ParentTypeName(parent_type), parent_id),
                                       filter, query, ReadFolder));
    return Status::Ok();
  }));
  return out;
}

Status PostgresStore::UpdateFolder(const FolderRecord& f) {
  TS_RETURN_IF_ERROR(CheckId(f.id));
  if (f.name.empty()) return InvalidArgumentError("Folder name must not be empty.");
  return Write([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(FolderRecord old, GetFolderOn(c, f.id));
    ParentType base_type = old.base_parent_type;
    std::string base_id = old.base_parent_id;
    const bool moved = f.parent_type != old.parent_type || f.parent_id != old.parent_id;
    if (moved) {
      TS_RETURN_IF_ERROR(CheckParent(c, f.parent_type, f.parent_id));
      if (f.parent_type == ParentType::kFolder) {
        TS_ASSIGN_OR_RETURN(
            int64_t inside,
            QueryInt(c, "SELECT count(*) FROM (" + std::string(kSubtreeSql) + ") s WHERE id = $2",
                     f.id, f.parent_id));
        if (inside > 0) {
          return InvalidArgumentError("You may not move a folder underneath itself.");
        }
        TS_ASSIGN_OR_RETURN(FolderRecord parent, GetFolderOn(c, f.parent_id));
        base_type = parent.base_parent_type;
        base_id = parent.base_parent_id;
      } else {
        base_type = f.parent_type;
        base_id = f.parent_id;
      }
    }
    Status s = Exec(c,
                    "UPDATE folders SET name = $2, description = $3, parent_type = $4, "
                    "parent_id = $5, meta_json = $6, updated_ms = $7 WHERE id = $1",
                    f.id, f.name, f.description, ParentTypeName(f.parent_type), f.parent_id,
                    f.meta_json.empty() ? std::string("{}") : f.meta_json, NowMs())
                   .status();
    if (s.code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError("A folder with that name already exists here.");
    }
    TS_RETURN_IF_ERROR(s);
    if (base_type != old.base_parent_type || base_id != old.base_parent_id) {
      TS_RETURN_IF_ERROR(Exec(c,
                              "UPDATE folders SET base_parent_type = $2, base_parent_id = $3 "
                              "WHERE id IN (" +
                                  std::string(kSubtreeSql) + ")",
                              f.id, ParentTypeName(base_type), base_id)
                             .status());
    }
    return Status::Ok();
  });
}

Status PostgresStore::SetFolderAccess(const std::string& id, const AccessList& access,
                                      bool recurse) {
  TS_RETURN_IF_ERROR(CheckId(id));
  return Write([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(int64_t exists,
                        QueryInt(c, "SELECT count(*) FROM folders WHERE id = $1", id));
    if (exists == 0) return NotFoundError("Invalid folder id (" + id + ").");
    return WriteAccess(c, "folder", recurse ? kSubtreeSql : kOneSql, id, access);
  });
}

Status PostgresStore::DeleteFolder(const std::string& id, std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::vector<std::string> paths;
  TS_RETURN_IF_ERROR(Write([&](PgConnection& c) -> Status {
    paths.clear();
    TS_ASSIGN_OR_RETURN(int64_t exists,
                        QueryInt(c, "SELECT count(*) FROM folders WHERE id = $1", id));
    if (exists == 0) return NotFoundError("Invalid folder id (" + id + ").");
    return DeleteFolders(c, kSubtreeSql, id, &paths);
  }));
  if (removed_paths != nullptr) {
    removed_paths->insert(removed_paths->end(), paths.begin(), paths.end());
  }
  return Status::Ok();
}

}  // namespace tessera
