#include "store/sqlite_schema.h"

#include <chrono>
#include <string>
#include <vector>

#include "store/metadata_store.h"

namespace tessera {
namespace {

// Polymorphic references (folders.parent_id, access.resource_id, uploads.parent_id) carry no
// foreign key; the store deletes what they point at explicitly. Owned rows (items in folders,
// files and thumbnails of items, tokens of users) cascade.
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  login TEXT NOT NULL,
  email TEXT NOT NULL DEFAULT '',
  first_name TEXT NOT NULL DEFAULT '',
  last_name TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL DEFAULT '',
  admin INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL);
CREATE UNIQUE INDEX users_login ON users(login);
CREATE UNIQUE INDEX users_email ON users(email) WHERE email <> '';

CREATE TABLE tokens (
  token TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL);
CREATE INDEX tokens_user ON tokens(user_id);
CREATE INDEX tokens_expires ON tokens(expires_ms);

CREATE TABLE collections (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  creator_id TEXT NOT NULL DEFAULT '',
  is_public INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);

CREATE TABLE folders (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  parent_type TEXT NOT NULL,
  parent_id TEXT NOT NULL,
  base_parent_type TEXT NOT NULL,
  base_parent_id TEXT NOT NULL,
  creator_id TEXT NOT NULL DEFAULT '',
  is_public INTEGER NOT NULL DEFAULT 0,
  meta_json TEXT NOT NULL DEFAULT '{}',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE UNIQUE INDEX folders_parent_name ON folders(parent_type, parent_id, name);
CREATE INDEX folders_base_parent ON folders(base_parent_type, base_parent_id);

CREATE TABLE access (
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  level INTEGER NOT NULL,
  PRIMARY KEY (resource_type, resource_id, user_id)) WITHOUT ROWID;
CREATE INDEX access_user ON access(user_id);

CREATE TABLE items (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  folder_id TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
  creator_id TEXT NOT NULL DEFAULT '',
  size INTEGER NOT NULL DEFAULT 0,
  meta_json TEXT NOT NULL DEFAULT '{}',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  large_image_file_id TEXT NOT NULL DEFAULT '',
  source_name TEXT NOT NULL DEFAULT '',
  large_image_job_id TEXT NOT NULL DEFAULT '');
CREATE INDEX items_folder_name ON items(folder_id, name);
CREATE INDEX items_name ON items(name);

CREATE TABLE files (
  id TEXT PRIMARY KEY,
  item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  mime_type TEXT NOT NULL DEFAULT '',
  size INTEGER NOT NULL DEFAULT 0,
  sha512 TEXT NOT NULL DEFAULT '',
  path TEXT NOT NULL,
  imported INTEGER NOT NULL DEFAULT 0,
  creator_id TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL);
CREATE INDEX files_item ON files(item_id);
CREATE INDEX files_path ON files(path);

CREATE TABLE uploads (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL DEFAULT '',
  parent_is_item INTEGER NOT NULL DEFAULT 0,
  parent_id TEXT NOT NULL,
  name TEXT NOT NULL,
  mime_type TEXT NOT NULL DEFAULT '',
  size INTEGER NOT NULL DEFAULT 0,
  received INTEGER NOT NULL DEFAULT 0,
  temp_path TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE INDEX uploads_user ON uploads(user_id);
CREATE INDEX uploads_parent ON uploads(parent_id);

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL DEFAULT '',
  item_id TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL DEFAULT 0,
  progress_current REAL NOT NULL DEFAULT 0,
  progress_total REAL NOT NULL DEFAULT 0,
  progress_message TEXT NOT NULL DEFAULT '',
  log TEXT NOT NULL DEFAULT '',
  kwargs_json TEXT NOT NULL DEFAULT '{}',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE INDEX jobs_user_created ON jobs(user_id, created_ms);
CREATE INDEX jobs_created ON jobs(created_ms);

CREATE TABLE thumbnails (
  item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  content_type TEXT NOT NULL DEFAULT '',
  path TEXT NOT NULL,
  size INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL);
CREATE UNIQUE INDEX thumbnails_item_key ON thumbnails(item_id, key);
)sql";

// v4: the user_quota policy on the user (NULL quota: none) and the index the usage sum needs.
constexpr char kSchemaV4[] = R"sql(
ALTER TABLE users ADD COLUMN quota_file_size INTEGER;
ALTER TABLE users ADD COLUMN quota_use_default INTEGER NOT NULL DEFAULT 1;
CREATE INDEX files_creator ON files(creator_id);
)sql";

using store_util::NowMs;

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// v1 items become items of folder "Imported" in collection "Imported", each with its file.
Status MoveV1Items(SqliteDb* db) {
  const int64_t now = NowMs();
  const std::string collection_id = NewObjectId();
  const std::string folder_id = NewObjectId();
  {
    TS_ASSIGN_OR_RETURN(Statement st,
                        db->Prepare("INSERT INTO collections (id, name, is_public, created_ms, "
                                    "updated_ms) VALUES (?1, 'Imported', 1, ?2, ?2)"));
    TS_RETURN_IF_ERROR(st.BindAll(collection_id, now).Run());
  }
  {
    TS_ASSIGN_OR_RETURN(
        Statement st,
        db->Prepare("INSERT INTO folders (id, name, parent_type, parent_id, base_parent_type, "
                    "base_parent_id, is_public, created_ms, updated_ms) VALUES (?1, 'Imported', "
                    "'collection', ?2, 'collection', ?2, 1, ?3, ?3)"));
    TS_RETURN_IF_ERROR(st.BindAll(folder_id, collection_id, now).Run());
  }
  struct V1Item {
    std::string id, name, path, source_name;
    int64_t size, created_ms, updated_ms;
  };
  std::vector<V1Item> old;
  {
    TS_ASSIGN_OR_RETURN(Statement st,
                        db->Prepare("SELECT id, name, path, size, created_ms, updated_ms, "
                                    "source_name FROM items_v1 ORDER BY created_ms, id"));
    while (true) {
      TS_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      old.push_back(
          V1Item{st.Text(0), st.Text(1), st.Text(2), st.Text(6), st.Int(3), st.Int(4), st.Int(5)});
    }
  }
  for (const V1Item& v : old) {
    const std::string item_id = IsObjectId(v.id) ? v.id : NewObjectId();
    const std::string file_id = NewObjectId();
    TS_ASSIGN_OR_RETURN(
        Statement item,
        db->Prepare("INSERT INTO items (id, name, folder_id, size, created_ms, updated_ms, "
                    "large_image_file_id, source_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    TS_RETURN_IF_ERROR(item.BindAll(item_id, v.name, folder_id, v.size, v.created_ms, v.updated_ms,
                                    file_id, v.source_name)
                           .Run());
    TS_ASSIGN_OR_RETURN(
        Statement file,
        db->Prepare("INSERT INTO files (id, item_id, name, size, path, imported, created_ms) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)"));
    TS_RETURN_IF_ERROR(
        file.BindAll(file_id, item_id, BaseName(v.path), v.size, v.path, v.created_ms).Run());
  }
  return db->Exec("DROP TABLE items_v1");
}

StatusOr<int64_t> UserVersion(SqliteDb* db) {
  TS_ASSIGN_OR_RETURN(Statement st, db->Prepare("PRAGMA user_version"));
  TS_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.Int(0) : 0;
}

}  // namespace

Status MigrateSqliteSchema(SqliteDb* db) {
  TS_ASSIGN_OR_RETURN(int64_t version, UserVersion(db));
  if (version == kSqliteSchemaVersion) return Status::Ok();
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  TS_ASSIGN_OR_RETURN(version, UserVersion(db));  // another opener may have migrated it
  if (version == kSqliteSchemaVersion) return txn.Commit();
  if (version > kSqliteSchemaVersion) {
    return FailedPreconditionError("database schema version " + std::to_string(version) +
                                   " is newer than this Tessera knows (" +
                                   std::to_string(kSqliteSchemaVersion) + ")");
  }
  if (version == 1) {
    TS_RETURN_IF_ERROR(
        db->Exec("DROP INDEX IF EXISTS items_name;"
                 "ALTER TABLE items RENAME TO items_v1;"));
  }
  if (version < 2) {
    TS_RETURN_IF_ERROR(db->Exec(kSchemaV2));
    if (version == 1) TS_RETURN_IF_ERROR(MoveV1Items(db));
  }
  if (version < 3) {
    TS_RETURN_IF_ERROR(db->Exec("ALTER TABLE jobs ADD COLUMN node TEXT NOT NULL DEFAULT ''"));
  }
  if (version < 4) TS_RETURN_IF_ERROR(db->Exec(kSchemaV4));
  TS_RETURN_IF_ERROR(
      db->Exec(("PRAGMA user_version=" + std::to_string(kSqliteSchemaVersion)).c_str()));
  return txn.Commit();
}

}  // namespace tessera
