// The PostgreSQL store's schema and its migrations. Table `schema_version` holds the version a
// database is at; opening a store applies the missing migrations in order, each database at
// most once, inside one transaction that holds a transaction-level advisory lock
// (pg_advisory_xact_lock), so several nodes starting at once queue and the later ones find the
// work done. Text columns that are compared or sorted use COLLATE "C": byte order and ASCII-only
// lower(), exactly what the SQLite store does, whatever locale the database was created with.
//   v1: Girder's data model (users, tokens, collections, folders, access, items, files,
//       uploads, jobs, thumbnails), as SQLite's schema v2.
//   v2: jobs.node (the node running a job; "" for older jobs), as SQLite's v3.
//   v3: users.quota_file_size (NULL: none), users.quota_use_default (TRUE) and index
//       files_creator, as SQLite's v4.
// Thread-safety: call with a connection to yourself.
#pragma once

#include "core/status.h"
#include "store/postgres_db.h"

namespace tessera {

inline constexpr int kPostgresSchemaVersion = 3;

// Creates or migrates the schema up to `target` (tests build older schemas with it).
// FailedPrecondition for a database newer than this build.
Status MigratePostgresSchema(PgConnection* conn, int target = kPostgresSchemaVersion);

// The version the database is at (0 for an empty database).
StatusOr<int> PostgresSchemaVersion(PgConnection* conn);

}  // namespace tessera
