// PostgresStore: opening, the transaction runner, the helpers every record kind shares, users,
// tokens and collections.
#include "store/postgres_store.h"

#include <chrono>
#include <random>
#include <thread>

#include "core/strings.h"
#include "store/postgres_schema.h"

namespace tessera {
namespace postgres_store {

std::string ReadString(const PgResult& r, int row) { return r.Text(row, 0); }

std::string VisibleSql(std::string_view alias, std::string_view resource_type) {
  const std::string a(alias);
  return "($3 OR (" + a + ".is_public AND $5 <= 0) OR EXISTS (SELECT 1 FROM access g " +
         "WHERE g.resource_type = '" + std::string(resource_type) + "' AND g.resource_id = " + a +
         ".id AND g.user_id = $4 AND g.level >= $5))";
}

void AddListParams(PgParams* p, const AccessFilter& filter, const ListQuery& query) {
  p->Add(filter.all);
  p->Add(filter.user_id);
  p->Add(static_cast<int64_t>(filter.level));
  p->Add(query.text);
  p->Add(query.name);
  p->Add(query.limit > 0 ? static_cast<int64_t>(query.limit) : INT64_MAX);
  p->Add(static_cast<int64_t>(std::max(0, query.offset)));
}

StatusOr<std::string> ListTailSql(const std::vector<std::string_view>& text_columns,
                                  std::string_view name_column, std::string_view id_column,
                                  const ListQuery& query, const std::vector<SortField>& fields) {
  std::string_view order;
  for (const SortField& f : fields) {
    if (f.field == query.sort) order = f.column;
  }
  if (order.empty()) return InvalidArgumentError("Invalid sort field: " + query.sort);
  // The columns are COLLATE "C"; the parameter is folded under "C" too, so lower() changes
  // ASCII letters only on both sides (as SQLite's lower()).
  std::string sql = " AND ($6 = ''";
  for (std::string_view c : text_columns) {
    sql += " OR strpos(lower(" + std::string(c) + "), lower($6 COLLATE \"C\")) > 0";
  }
  sql += ") AND ($7 = '' OR " + std::string(name_column) + " = $7) ORDER BY ";
  const char* dir = query.descending ? " DESC" : " ASC";
  sql += std::string(order) + dir + ", " + std::string(id_column) + dir;
  sql += " LIMIT $8 OFFSET $9";
  return sql;
}

}  // namespace postgres_store

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

// Conflicts between concurrent transactions are re-run this many times at most.
constexpr int kMaxConflictRetries = 40;

void AppendPaths(const std::vector<std::string>& paths, std::vector<std::string>* out) {
  if (out != nullptr) out->insert(out->end(), paths.begin(), paths.end());
}

constexpr char kUserColumns[] =
    "SELECT id, login, email, first_name, last_name, password_hash, admin, created_ms FROM users ";

UserRecord ReadUser(const PgResult& r, int row) {
  UserRecord u;
  u.id = r.Text(row, 0);
  u.login = r.Text(row, 1);
  u.email = r.Text(row, 2);
  u.first_name = r.Text(row, 3);
  u.last_name = r.Text(row, 4);
  u.password_hash = r.Text(row, 5);
  u.admin = r.Bool(row, 6);
  u.created_ms = r.Int(row, 7);
  return u;
}

TokenRecord ReadToken(const PgResult& r, int row) {
  return TokenRecord{r.Text(row, 0), r.Text(row, 1), r.Int(row, 2), r.Int(row, 3)};
}

constexpr char kCollectionColumns[] =
    "SELECT c.id, c.name, c.description, c.creator_id, c.is_public, c.created_ms, c.updated_ms, "
    "(SELECT string_agg(a.user_id || ':' || a.level, ',' ORDER BY a.user_id) FROM access a "
    "WHERE a.resource_type = 'collection' AND a.resource_id = c.id) FROM collections c ";

CollectionRecord ReadCollection(const PgResult& r, int row) {
  CollectionRecord c;
  c.id = r.Text(row, 0);
  c.name = r.Text(row, 1);
  c.description = r.Text(row, 2);
  c.creator_id = r.Text(row, 3);
  c.access = ParseGrants(r.Bool(row, 4), r.Text(row, 7));
  c.created_ms = r.Int(row, 5);
  c.updated_ms = r.Int(row, 6);
  return c;
}

const std::vector<SortField> kUserSort = {{"name", "login"},           {"lowerName", "login"},
                                          {"login", "login"},          {"email", "email"},
                                          {"firstName", "first_name"}, {"lastName", "last_name"},
                                          {"created", "created_ms"}};
const std::vector<SortField> kCollectionSort = {{"name", "c.name"},
                                                {"lowerName", "lower(c.name)"},
                                                {"created", "c.created_ms"},
                                                {"updated", "c.updated_ms"}};

}  // namespace

StatusOr<std::unique_ptr<MetadataStore>> OpenPostgresStore(const std::string& conninfo,
                                                           int pool_size) {
  PgPoolOptions options;
  options.conninfo = conninfo;
  options.max_connections = std::max(1, pool_size);
  auto store = std::make_unique<PostgresStore>(std::move(options));
  TS_RETURN_IF_ERROR(store->Migrate());
  return std::unique_ptr<MetadataStore>(std::move(store));
}

Status PostgresStore::Migrate() {
  TS_ASSIGN_OR_RETURN(PooledConnection conn, pool_.Acquire());
  return MigratePostgresSchema(&*conn);
}

Status PostgresStore::Read(const Body& body) { return Run(body, /*transactional=*/false); }

Status PostgresStore::Write(const Body& body) { return Run(body, /*transactional=*/true); }

Status PostgresStore::Run(const Body& body, bool transactional) {
  int conflicts = 0;
  int dead = 0;
  thread_local std::minstd_rand jitter(std::random_device{}());
  while (true) {
    TS_ASSIGN_OR_RETURN(PooledConnection conn, pool_.Acquire());
    const int64_t done_before = conn->statements_ok();
    bool commit_sent = false;
    Status s =
        transactional ? conn->ExecScript("BEGIN ISOLATION LEVEL SERIALIZABLE") : Status::Ok();
    if (s.ok()) s = body(*conn);
    bool conflict = conn->retryable();
    if (transactional) {
      if (s.ok()) {
        commit_sent = true;
        s = conn->ExecScript("COMMIT");
        conflict = conn->retryable();
      } else if (!conn->broken()) {
        conn->ExecScript("ROLLBACK").IgnoreError();
      }
    }
    if (s.ok()) return s;
    // A connection that died (an idle one after a server restart, or the server went away
    // mid-call): when nothing can have taken effect, run the call again on another connection.
    // The next Acquire fails cleanly (Unavailable) while the server is down.
    const bool nothing_done = transactional ? !commit_sent : conn->statements_ok() == done_before;
    if (conn->broken() && nothing_done && dead++ < 64) continue;
    if (conflict && ++conflicts <= kMaxConflictRetries) {
      std::this_thread::sleep_for(std::chrono::microseconds(
          std::uniform_int_distribution<int>(100, 1000 * std::min(conflicts, 10))(jitter)));
      continue;
    }
    return s;
  }
}

// --- users

StatusOr<UserRecord> PostgresStore::CreateUser(UserRecord user) {
  user.login = ToLower(user.login);
  user.email = ToLower(user.email);
  if (user.login.empty()) return InvalidArgumentError("A login is required.");
  if (user.id.empty()) user.id = NewObjectId();
  TS_RETURN_IF_ERROR(CheckId(user.id));
  if (user.created_ms == 0) user.created_ms = NowMs();
  TS_RETURN_IF_ERROR(Write([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(int64_t logins,
                        QueryInt(c, "SELECT count(*) FROM users WHERE login = $1", user.login));
    if (logins > 0) return AlreadyExistsError("That login is already registered.");
    TS_ASSIGN_OR_RETURN(
        int64_t emails,
        QueryInt(c, "SELECT count(*) FROM users WHERE email = $1 AND email <> ''", user.email));
    if (emails > 0) return AlreadyExistsError("That email is already registered.");
    Status s = Exec(c,
                    "INSERT INTO users (id, login, email, first_name, last_name, password_hash, "
                    "admin, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    user.id, user.login, user.email, user.first_name, user.last_name,
                    user.password_hash, user.admin, user.created_ms)
                   .status();
    if (s.code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError("That login is already registered.");
    }
    return s;
  }));
  return user;
}

StatusOr<UserRecord> PostgresStore::GetUser(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::vector<UserRecord> users;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(users, Query(c, std::string(kUserColumns) + "WHERE id = $1", ReadUser, id));
    return Status::Ok();
  }));
  if (users.empty()) return NotFoundError("Invalid user id (" + id + ").");
  return users.front();
}

StatusOr<UserRecord> PostgresStore::FindUser(const std::string& login_or_email) {
  const std::string key = ToLower(login_or_email);
  std::vector<UserRecord> users;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(users, Query(c,
                                     std::string(kUserColumns) +
                                         "WHERE login = $1 OR (email = $1 AND $1 <> '') ORDER BY "
                                         "login = $1 DESC LIMIT 1",
                                     ReadUser, key));
    return Status::Ok();
  }));
  if (users.empty()) return NotFoundError("Login failed.");
  return users.front();
}

StatusOr<std::vector<UserRecord>> PostgresStore::ListUsers(const ListQuery& query) {
  TS_ASSIGN_OR_RETURN(std::string tail, ListTailSql({"login", "email", "first_name", "last_name"},
                                                    "login", "id", query, kUserSort));
  std::vector<UserRecord> out;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(out, QueryList(c, std::string(kUserColumns) + "WHERE TRUE" + tail,
                                       PgParams::Of("", ""), AccessFilter::All(), query, ReadUser));
    return Status::Ok();
  }));
  return out;
}

StatusOr<int64_t> PostgresStore::CountUsers() {
  int64_t n = 0;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(n, QueryInt(c, "SELECT count(*) FROM users"));
    return Status::Ok();
  }));
  return n;
}

Status PostgresStore::UpdateUser(const UserRecord& user) {
  TS_RETURN_IF_ERROR(CheckId(user.id));
  const std::string login = ToLower(user.login);
  const std::string email = ToLower(user.email);
  if (login.empty()) return InvalidArgumentError("A login is required.");
  return Write([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(int64_t exists,
                        QueryInt(c, "SELECT count(*) FROM users WHERE id = $1", user.id));
    if (exists == 0) return NotFoundError("Invalid user id (" + user.id + ").");
    TS_ASSIGN_OR_RETURN(
        int64_t logins,
        QueryInt(c, "SELECT count(*) FROM users WHERE login = $1 AND id <> $2", login, user.id));
    if (logins > 0) return AlreadyExistsError("That login is already registered.");
    TS_ASSIGN_OR_RETURN(int64_t emails,
                        QueryInt(c,
                                 "SELECT count(*) FROM users WHERE email = $1 AND email <> '' AND "
                                 "id <> $2",
                                 email, user.id));
    if (emails > 0) return AlreadyExistsError("That email is already registered.");
    return Exec(c,
                "UPDATE users SET login = $2, email = $3, first_name = $4, last_name = $5, "
                "password_hash = $6, admin = $7 WHERE id = $1",
                user.id, login, email, user.first_name, user.last_name, user.password_hash,
                user.admin)
        .status();
  });
}

Status PostgresStore::DeleteUser(const std::string& id, std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::vector<std::string> paths;
  TS_RETURN_IF_ERROR(Write([&](PgConnection& c) -> Status {
    paths.clear();
    TS_ASSIGN_OR_RETURN(int64_t exists,
                        QueryInt(c, "SELECT count(*) FROM users WHERE id = $1", id));
    if (exists == 0) return NotFoundError("Invalid user id (" + id + ").");
    TS_RETURN_IF_ERROR(DeleteFolders(
        c, "SELECT id FROM folders WHERE base_parent_type = 'user' AND base_parent_id = $1", id,
        &paths));
    TS_ASSIGN_OR_RETURN(
        auto temps, Query(c, "SELECT temp_path FROM uploads WHERE user_id = $1 AND temp_path <> ''",
                          ReadString, id));
    paths.insert(paths.end(), temps.begin(), temps.end());
    TS_RETURN_IF_ERROR(Exec(c, "DELETE FROM uploads WHERE user_id = $1", id).status());
    TS_RETURN_IF_ERROR(Exec(c, "DELETE FROM tokens WHERE user_id = $1", id).status());
    TS_RETURN_IF_ERROR(Exec(c, "DELETE FROM access WHERE user_id = $1", id).status());
    return Exec(c, "DELETE FROM users WHERE id = $1", id).status();
  }));
  AppendPaths(paths, removed_paths);
  return Status::Ok();
}

// quota_file_size NULL (none) travels as -1.
StatusOr<std::pair<QuotaPolicy, bool>> PostgresStore::GetUserQuotaOn(PgConnection& c,
                                                                     const std::string& user_id) {
  TS_ASSIGN_OR_RETURN(PgResult res, c.Exec("SELECT coalesce(quota_file_size, -1), "
                                           "quota_use_default, admin FROM users WHERE id = $1",
                                           PgParams::Of(user_id)));
  if (res.rows() == 0) return NotFoundError("Invalid user id (" + user_id + ").");
  QuotaPolicy p;
  if (res.Int(0, 0) >= 0) p.file_size_quota = res.Int(0, 0);
  p.use_quota_default = res.Bool(0, 1);
  return std::make_pair(p, res.Bool(0, 2));
}

StatusOr<QuotaPolicy> PostgresStore::GetUserQuota(const std::string& user_id) {
  TS_RETURN_IF_ERROR(CheckId(user_id));
  QuotaPolicy p;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(auto policy, GetUserQuotaOn(c, user_id));
    p = policy.first;
    return Status::Ok();
  }));
  return p;
}

StatusOr<QuotaPolicy> PostgresStore::UpdateUserQuota(const std::string& user_id,
                                                     const QuotaPolicyChange& change) {
  TS_RETURN_IF_ERROR(CheckId(user_id));
  TS_RETURN_IF_ERROR(postgres_store::CheckQuotaChange(change));
  QuotaPolicy p;
  TS_RETURN_IF_ERROR(Write([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(auto current, GetUserQuotaOn(c, user_id));
    p = current.first;
    if (change.set_file_size_quota) p.file_size_quota = change.file_size_quota;
    if (change.use_quota_default) p.use_quota_default = *change.use_quota_default;
    return Exec(c,
                "UPDATE users SET quota_file_size = nullif($2, -1), quota_use_default = $3 "
                "WHERE id = $1",
                user_id, p.file_size_quota.value_or(-1), p.use_quota_default)
        .status();
  }));
  return p;
}

// --- tokens

Status PostgresStore::CreateToken(const TokenRecord& token) {
  if (token.token.empty()) return InvalidArgumentError("A token must not be empty.");
  TS_RETURN_IF_ERROR(CheckId(token.user_id));
  const int64_t created = token.created_ms != 0 ? token.created_ms : NowMs();
  // One statement: the user must exist (NotFound) and the token must be new (AlreadyExists).
  int64_t inserted = 0;
  Status s = Write([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(inserted, Exec(c,
                                       "INSERT INTO tokens (token, user_id, created_ms, "
                                       "expires_ms) SELECT $1, id, $3, $4 FROM users WHERE id = $2",
                                       token.token, token.user_id, created, token.expires_ms));
    return Status::Ok();
  });
  if (s.code() == StatusCode::kAlreadyExists) return AlreadyExistsError("The token exists.");
  TS_RETURN_IF_ERROR(s);
  if (inserted == 0) return NotFoundError("Invalid user id (" + token.user_id + ").");
  return Status::Ok();
}

StatusOr<TokenRecord> PostgresStore::GetToken(const std::string& token, int64_t now_ms) {
  std::vector<TokenRecord> tokens;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(tokens, Query(c,
                                      "SELECT token, user_id, created_ms, expires_ms FROM tokens "
                                      "WHERE token = $1 AND expires_ms > $2",
                                      ReadToken, token, now_ms));
    return Status::Ok();
  }));
  if (tokens.empty()) return NotFoundError("Invalid token.");
  return tokens.front();
}

Status PostgresStore::DeleteToken(const std::string& token) {
  return Read([&](PgConnection& c) -> Status {
    return Exec(c, "DELETE FROM tokens WHERE token = $1", token).status();
  });
}

StatusOr<int64_t> PostgresStore::DeleteExpiredTokens(int64_t now_ms) {
  int64_t n = 0;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(n, Exec(c, "DELETE FROM tokens WHERE expires_ms <= $1", now_ms));
    return Status::Ok();
  }));
  return n;
}

// --- collections

StatusOr<CollectionRecord> PostgresStore::CreateCollection(CollectionRecord c) {
  if (c.name.empty()) return InvalidArgumentError("Collection name must not be empty.");
  if (c.id.empty()) c.id = NewObjectId();
  TS_RETURN_IF_ERROR(CheckId(c.id));
  if (c.created_ms == 0) c.created_ms = NowMs();
  if (c.updated_ms == 0) c.updated_ms = c.created_ms;
  TS_RETURN_IF_ERROR(Write([&](PgConnection& conn) -> Status {
    Status s = Exec(conn,
                    "INSERT INTO collections (id, name, description, creator_id, is_public, "
                    "created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    c.id, c.name, c.description, c.creator_id, c.access.is_public, c.created_ms,
                    c.updated_ms)
                   .status();
    if (s.code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError("A collection with that name already exists.");
    }
    TS_RETURN_IF_ERROR(s);
    return WriteAccess(conn, "collection", "SELECT $1::text AS id", c.id, c.access);
  }));
  return c;
}

StatusOr<CollectionRecord> PostgresStore::GetCollection(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::vector<CollectionRecord> rows;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(
        rows, Query(c, std::string(kCollectionColumns) + "WHERE c.id = $1", ReadCollection, id));
    return Status::Ok();
  }));
  if (rows.empty()) return NotFoundError("Invalid collection id (" + id + ").");
  return rows.front();
}

StatusOr<std::vector<CollectionRecord>> PostgresStore::ListCollections(const ListQuery& query,
                                                                       const AccessFilter& filter) {
  TS_ASSIGN_OR_RETURN(std::string tail,
                      ListTailSql({"c.name"}, "c.name", "c.id", query, kCollectionSort));
  const std::string sql =
      std::string(kCollectionColumns) + "WHERE " + VisibleSql("c", "collection") + tail;
  std::vector<CollectionRecord> out;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(out,
                        QueryList(c, sql, PgParams::Of("", ""), filter, query, ReadCollection));
    return Status::Ok();
  }));
  return out;
}

Status PostgresStore::UpdateCollection(const CollectionRecord& c) {
  TS_RETURN_IF_ERROR(CheckId(c.id));
  if (c.name.empty()) return InvalidArgumentError("Collection name must not be empty.");
  return Write([&](PgConnection& conn) -> Status {
    auto changed = Exec(conn,
                        "UPDATE collections SET name = $2, description = $3, is_public = $4, "
                        "updated_ms = $5 WHERE id = $1",
                        c.id, c.name, c.description, c.access.is_public, NowMs());
    if (changed.status().code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError("A collection with that name already exists.");
    }
    TS_RETURN_IF_ERROR(changed.status());
    if (*changed == 0) return NotFoundError("Invalid collection id (" + c.id + ").");
    return WriteAccess(conn, "collection", "SELECT $1::text AS id", c.id, c.access);
  });
}

Status PostgresStore::DeleteCollection(const std::string& id,
                                       std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::vector<std::string> paths;
  TS_RETURN_IF_ERROR(Write([&](PgConnection& c) -> Status {
    paths.clear();
    TS_ASSIGN_OR_RETURN(int64_t exists,
                        QueryInt(c, "SELECT count(*) FROM collections WHERE id = $1", id));
    if (exists == 0) return NotFoundError("Invalid collection id (" + id + ").");
    TS_RETURN_IF_ERROR(DeleteFolders(
        c, "SELECT id FROM folders WHERE base_parent_type = 'collection' AND base_parent_id = $1",
        id, &paths));
    TS_RETURN_IF_ERROR(
        Exec(c, "DELETE FROM access WHERE resource_type = 'collection' AND resource_id = $1", id)
            .status());
    return Exec(c, "DELETE FROM collections WHERE id = $1", id).status();
  }));
  AppendPaths(paths, removed_paths);
  return Status::Ok();
}

}  // namespace tessera
