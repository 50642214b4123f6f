#include "store/postgres_schema.h"

#include <string>

namespace tessera {
namespace {

// The advisory lock key migrations hold: any fixed 64-bit number ("tessera" in ASCII).
constexpr int64_t kMigrationLockKey = 0x7465737365726100;

// As in SQLite: polymorphic references (folders.parent_id, access.resource_id,
// uploads.parent_id) carry no foreign key; the store deletes what they point at explicitly.
// Owned rows (items in folders, files and thumbnails of items, tokens of users) cascade. Every
// text column is COLLATE "C" (byte order, ASCII-only lower(), as SQLite).
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE users (
  id TEXT COLLATE "C" PRIMARY KEY,
  login TEXT COLLATE "C" NOT NULL,
  email TEXT COLLATE "C" NOT NULL DEFAULT '',
  first_name TEXT COLLATE "C" NOT NULL DEFAULT '',
  last_name TEXT COLLATE "C" NOT NULL DEFAULT '',
  password_hash TEXT COLLATE "C" NOT NULL DEFAULT '',
  admin BOOLEAN NOT NULL DEFAULT FALSE,
  created_ms BIGINT NOT NULL);
CREATE UNIQUE INDEX users_login ON users(login);
CREATE UNIQUE INDEX users_email ON users(email) WHERE email <> '';

CREATE TABLE tokens (
  token TEXT COLLATE "C" PRIMARY KEY,
  user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL);
CREATE INDEX tokens_user ON tokens(user_id);
CREATE INDEX tokens_expires ON tokens(expires_ms);

CREATE TABLE collections (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  description TEXT COLLATE "C" NOT NULL DEFAULT '',
  creator_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  is_public BOOLEAN NOT NULL DEFAULT FALSE,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL);

CREATE TABLE folders (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL,
  description TEXT COLLATE "C" NOT NULL DEFAULT '',
  parent_type TEXT COLLATE "C" NOT NULL,
  parent_id TEXT COLLATE "C" NOT NULL,
  base_parent_type TEXT COLLATE "C" NOT NULL,
  base_parent_id TEXT COLLATE "C" NOT NULL,
  creator_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  is_public BOOLEAN NOT NULL DEFAULT FALSE,
  meta_json TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL);
CREATE UNIQUE INDEX folders_parent_name ON folders(parent_type, parent_id, name);
CREATE INDEX folders_parent_id ON folders(parent_id);
CREATE INDEX folders_base_parent ON folders(base_parent_type, base_parent_id);

CREATE TABLE access (
  resource_type TEXT COLLATE "C" NOT NULL,
  resource_id TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  level INTEGER NOT NULL,
  PRIMARY KEY (resource_type, resource_id, user_id));
CREATE INDEX access_user ON access(user_id);

CREATE TABLE items (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL,
  description TEXT COLLATE "C" NOT NULL DEFAULT '',
  folder_id TEXT COLLATE "C" NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
  creator_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  size BIGINT NOT NULL DEFAULT 0,
  meta_json TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  large_image_file_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  source_name TEXT COLLATE "C" NOT NULL DEFAULT '',
  large_image_job_id TEXT COLLATE "C" NOT NULL DEFAULT '');
CREATE INDEX items_folder_name ON items(folder_id, name, id);
CREATE INDEX items_name ON items(name);

CREATE TABLE files (
  id TEXT COLLATE "C" PRIMARY KEY,
  item_id TEXT COLLATE "C" NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  name TEXT COLLATE "C" NOT NULL,
  mime_type TEXT COLLATE "C" NOT NULL DEFAULT '',
  size BIGINT NOT NULL DEFAULT 0,
  sha512 TEXT COLLATE "C" NOT NULL DEFAULT '',
  path TEXT COLLATE "C" NOT NULL,
  imported BOOLEAN NOT NULL DEFAULT FALSE,
  creator_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL);
CREATE INDEX files_item ON files(item_id);
CREATE INDEX files_path ON files(path);

CREATE TABLE uploads (
  id TEXT COLLATE "C" PRIMARY KEY,
  user_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  parent_is_item BOOLEAN NOT NULL DEFAULT FALSE,
  parent_id TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  mime_type TEXT COLLATE "C" NOT NULL DEFAULT '',
  size BIGINT NOT NULL DEFAULT 0,
  received BIGINT NOT NULL DEFAULT 0,
  temp_path TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL);
CREATE INDEX uploads_user ON uploads(user_id);
CREATE INDEX uploads_parent ON uploads(parent_id);

CREATE TABLE jobs (
  id TEXT COLLATE "C" PRIMARY KEY,
  type TEXT COLLATE "C" NOT NULL DEFAULT '',
  title TEXT COLLATE "C" NOT NULL DEFAULT '',
  user_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  item_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  status INTEGER NOT NULL DEFAULT 0,
  progress_current DOUBLE PRECISION NOT NULL DEFAULT 0,
  progress_total DOUBLE PRECISION NOT NULL DEFAULT 0,
  progress_message TEXT COLLATE "C" NOT NULL DEFAULT '',
  log TEXT COLLATE "C" NOT NULL DEFAULT '',
  kwargs_json TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL);
CREATE INDEX jobs_user_created ON jobs(user_id, created_ms);
CREATE INDEX jobs_created ON jobs(created_ms);

CREATE TABLE thumbnails (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  item_id TEXT COLLATE "C" NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  key TEXT COLLATE "C" NOT NULL,
  content_type TEXT COLLATE "C" NOT NULL DEFAULT '',
  path TEXT COLLATE "C" NOT NULL,
  size BIGINT NOT NULL DEFAULT 0,
  created_ms BIGINT NOT NULL);
CREATE UNIQUE INDEX thumbnails_item_key ON thumbnails(item_id, key);
)sql";

struct Migration {
  int version;
  const char* sql;
};
constexpr char kSchemaV2[] = R"sql(
ALTER TABLE jobs ADD COLUMN node TEXT COLLATE "C" NOT NULL DEFAULT '';
)sql";

// The user_quota policy on the user (NULL quota: none) and the index the usage sum needs.
constexpr char kSchemaV3[] = R"sql(
ALTER TABLE users ADD COLUMN quota_file_size BIGINT;
ALTER TABLE users ADD COLUMN quota_use_default BOOLEAN NOT NULL DEFAULT TRUE;
CREATE INDEX files_creator ON files(creator_id);
)sql";

constexpr Migration kMigrations[] = {{1, kSchemaV1}, {2, kSchemaV2}, {3, kSchemaV3}};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kPostgresSchemaVersion);

constexpr char kVersionSql[] = "SELECT coalesce(max(version), 0) FROM schema_version";

Status Migrate(PgConnection* conn, int target) {
  TS_ASSIGN_OR_RETURN(PgResult locked, conn->Exec("SELECT pg_advisory_xact_lock($1)",
                                                  PgParams::Of(kMigrationLockKey)));
  TS_RETURN_IF_ERROR(conn->ExecScript(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_ms BIGINT "
      "NOT NULL)"));
  TS_ASSIGN_OR_RETURN(PgResult current, conn->Exec(kVersionSql));
  const int version = static_cast<int>(current.Int(0, 0));
  if (version > kPostgresSchemaVersion) {
    return FailedPreconditionError("database schema version " + std::to_string(version) +
                                   " is newer than this Tessera knows (" +
                                   std::to_string(kPostgresSchemaVersion) + ")");
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= version || m.version > target) continue;
    TS_RETURN_IF_ERROR(conn->ExecScript(m.sql));
    TS_RETURN_IF_ERROR(conn->Exec("INSERT INTO schema_version (version, applied_ms) VALUES ($1, "
                                  "(extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
                                  PgParams::Of(m.version))
                           .status());
  }
  return Status::Ok();
}

}  // namespace

StatusOr<int> PostgresSchemaVersion(PgConnection* conn) {
  TS_ASSIGN_OR_RETURN(PgResult exists, conn->Exec("SELECT to_regclass('schema_version') IS NULL"));
  if (exists.Bool(0, 0)) return 0;
  TS_ASSIGN_OR_RETURN(PgResult current, conn->Exec(kVersionSql));
  return static_cast<int>(current.Int(0, 0));
}

Status MigratePostgresSchema(PgConnection* conn, int target) {
  // The common case (every start but the first) takes no lock.
  auto version = PostgresSchemaVersion(conn);
  if (version.ok() && *version == target) return Status::Ok();
  TS_RETURN_IF_ERROR(conn->ExecScript("BEGIN"));
  Status s = Migrate(conn, target);
  if (!s.ok()) {
    conn->ExecScript("ROLLBACK").IgnoreError();
    return s;
  }
  return conn->ExecScript("COMMIT");
}

}  // namespace tessera
