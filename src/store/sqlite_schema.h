// The SQLite store's schema and its migrations: PRAGMA user_version names the schema a file
// holds; opening a store brings any older file up to kSqliteSchemaVersion in one transaction.
//   v1: one `items` table (id, name, path UNIQUE, size, created_ms, updated_ms, source_name).
//   v2: Girder's data model: users, tokens, collections, folders, access, items, files,
//       uploads, jobs, thumbnails. v1 items move to collection "Imported" / folder "Imported"
//       (both public), each with one imported file that is its large image.
//   v3: jobs.node (the node running a job; "" for older jobs).
//   v4: users.quota_file_size (NULL: none) and users.quota_use_default (1): the user_quota
//       policy; index files_creator (the quota's usage sum).
// Thread-safety: call with the connection to yourself; concurrent openers of one file are
// serialised by BEGIN IMMEDIATE (the second sees the migrated version and does nothing).
#pragma once

#include "core/status.h"
#include "store/sqlite_db.h"

namespace tessera {

inline constexpr int kSqliteSchemaVersion = 4;

// Creates or migrates the schema. FailedPrecondition for a file newer than this build knows.
Status MigrateSqliteSchema(SqliteDb* db);

}  // namespace tessera
