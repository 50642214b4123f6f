// SqliteStore: opening, the helpers every record kind shares, users, tokens and collections.
#include "store/sqlite_store.h"

#include <chrono>

#include "core/strings.h"
#include "store/sqlite_schema.h"

namespace tessera {
namespace sqlite_store {

std::string VisibleSql(std::string_view alias, std::string_view resource_type) {
  const std::string a(alias);
  return "(?3 = 1 OR (" + a + ".is_public = 1 AND ?5 <= 0) OR EXISTS (SELECT 1 FROM access g " +
         "WHERE g.resource_type = '" + std::string(resource_type) + "' AND g.resource_id = " + a +
         ".id AND g.user_id = ?4 AND g.level >= ?5))";
}

void BindListParams(Statement* st, const AccessFilter& filter, const ListQuery& query) {
  st->Bind(3, filter.all);
  st->Bind(4, filter.user_id);
  st->Bind(5, static_cast<int>(filter.level));
  st->Bind(6, query.text);
  st->Bind(7, query.name);
  st->Bind(8, query.limit > 0 ? static_cast<int64_t>(query.limit) : int64_t{-1});
  st->Bind(9, static_cast<int64_t>(std::max(0, query.offset)));
}

StatusOr<std::string> ListTailSql(const std::vector<std::string_view>& text_columns,
                                  std::string_view name_column, std::string_view id_column,
                                  const ListQuery& query, const std::vector<SortField>& fields) {
  std::string_view order;
  for (const SortField& f : fields) {
    if (f.field == query.sort) order = f.column;
  }
  if (order.empty()) return InvalidArgumentError("Invalid sort field: " + query.sort);
  std::string sql = " AND (?6 = ''";
  for (std::string_view c : text_columns) {
    sql += " OR instr(lower(" + std::string(c) + "), lower(?6)) > 0";
  }
  sql += ") AND (?7 = '' OR " + std::string(name_column) + " = ?7) ORDER BY ";
  const char* dir = query.descending ? " DESC" : " ASC";
  sql += std::string(order) + dir + ", " + std::string(id_column) + dir;
  sql += " LIMIT ?8 OFFSET ?9";
  return sql;
}

}  // namespace sqlite_store

using sqlite_store::BindListParams;
using sqlite_store::CheckId;
using sqlite_store::ListTailSql;
using sqlite_store::NowMs;
using sqlite_store::ParseGrants;
using sqlite_store::SortField;
using sqlite_store::VisibleSql;

namespace {

void AppendPaths(const std::vector<std::string>& paths, std::vector<std::string>* out) {
  if (out != nullptr) out->insert(out->end(), paths.begin(), paths.end());
}

std::string ReadString(const Statement& st) { return st.Text(0); }

constexpr char kUserColumns[] =
    "SELECT id, login, email, first_name, last_name, password_hash, admin, created_ms FROM users ";

UserRecord ReadUser(const Statement& st) {
  UserRecord u;
  u.id = st.Text(0);
  u.login = st.Text(1);
  u.email = st.Text(2);
  u.first_name = st.Text(3);
  u.last_name = st.Text(4);
  u.password_hash = st.Text(5);
  u.admin = st.Bool(6);
  u.created_ms = st.Int(7);
  return u;
}

constexpr char kTokenColumns[] = "SELECT token, user_id, created_ms, expires_ms FROM tokens ";

TokenRecord ReadToken(const Statement& st) {
  return TokenRecord{st.Text(0), st.Text(1), st.Int(2), st.Int(3)};
}

constexpr char kCollectionColumns[] =
    "SELECT c.id, c.name, c.description, c.creator_id, c.is_public, c.created_ms, c.updated_ms, "
    "(SELECT group_concat(a.user_id || ':' || a.level) FROM access a "
    "WHERE a.resource_type = 'collection' AND a.resource_id = c.id) FROM collections c ";

CollectionRecord ReadCollection(const Statement& st) {
  CollectionRecord c;
  c.id = st.Text(0);
  c.name = st.Text(1);
  c.description = st.Text(2);
  c.creator_id = st.Text(3);
  c.access = ParseGrants(st.Bool(4), st.Text(7));
  c.created_ms = st.Int(5);
  c.updated_ms = st.Int(6);
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

StatusOr<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::string& path) {
  TS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path));
  TS_RETURN_IF_ERROR(MigrateSqliteSchema(db.get()));
  return std::unique_ptr<MetadataStore>(std::make_unique<SqliteStore>(std::move(db)));
}

// --- users

StatusOr<UserRecord> SqliteStore::CreateUser(UserRecord user) {
  user.login = ToLower(user.login);
  user.email = ToLower(user.email);
  if (user.login.empty()) return InvalidArgumentError("A login is required.");
  if (user.id.empty()) user.id = NewObjectId();
  TS_RETURN_IF_ERROR(CheckId(user.id));
  if (user.created_ms == 0) user.created_ms = NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(int64_t logins,
                      QueryInt("SELECT count(*) FROM users WHERE login = ?1", user.login));
  if (logins > 0) return AlreadyExistsError("That login is already registered.");
  TS_ASSIGN_OR_RETURN(
      int64_t emails,
      QueryInt("SELECT count(*) FROM users WHERE email = ?1 AND email <> ''", user.email));
  if (emails > 0) return AlreadyExistsError("That email is already registered.");
  TS_RETURN_IF_ERROR(
      Run("INSERT INTO users (id, login, email, first_name, last_name, "
          "password_hash, admin, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
          user.id, user.login, user.email, user.first_name, user.last_name, user.password_hash,
          user.admin, user.created_ms)
          .status());
  TS_RETURN_IF_ERROR(txn.Commit());
  return user;
}

StatusOr<UserRecord> SqliteStore::GetUser(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(auto users, Query(std::string(kUserColumns) + "WHERE id = ?1", ReadUser, id));
  if (users.empty()) return NotFoundError("Invalid user id (" + id + ").");
  return users.front();
}

StatusOr<UserRecord> SqliteStore::FindUser(const std::string& login_or_email) {
  const std::string key = ToLower(login_or_email);
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(auto users,
                      Query(std::string(kUserColumns) +
                                "WHERE login = ?1 OR (email = ?1 AND ?1 <> '') ORDER BY login = ?1 "
                                "DESC LIMIT 1",
                            ReadUser, key));
  if (users.empty()) return NotFoundError("Login failed.");
  return users.front();
}

StatusOr<std::vector<UserRecord>> SqliteStore::ListUsers(const ListQuery& query) {
  TS_ASSIGN_OR_RETURN(std::string tail, ListTailSql({"login", "email", "first_name", "last_name"},
                                                    "login", "id", query, kUserSort));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Statement st, db_->Prepare(std::string(kUserColumns) + "WHERE 1" + tail));
  BindListParams(&st, AccessFilter::All(), query);
  std::vector<UserRecord> out;
  while (true) {
    TS_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.push_back(ReadUser(st));
  }
}

StatusOr<int64_t> SqliteStore::CountUsers() {
  std::lock_guard<std::mutex> lock(mu_);
  return QueryInt("SELECT count(*) FROM users");
}

Status SqliteStore::UpdateUser(const UserRecord& user) {
  TS_RETURN_IF_ERROR(CheckId(user.id));
  const std::string login = ToLower(user.login);
  const std::string email = ToLower(user.email);
  if (login.empty()) return InvalidArgumentError("A login is required.");
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(int64_t exists,
                      QueryInt("SELECT count(*) FROM users WHERE id = ?1", user.id));
  if (exists == 0) return NotFoundError("Invalid user id (" + user.id + ").");
  TS_ASSIGN_OR_RETURN(
      int64_t logins,
      QueryInt("SELECT count(*) FROM users WHERE login = ?1 AND id <> ?2", login, user.id));
  if (logins > 0) return AlreadyExistsError("That login is already registered.");
  TS_ASSIGN_OR_RETURN(int64_t emails, QueryInt("SELECT count(*) FROM users WHERE email = ?1 AND "
                                               "email <> '' AND id <> ?2",
                                               email, user.id));
  if (emails > 0) return AlreadyExistsError("That email is already registered.");
  TS_RETURN_IF_ERROR(Run("UPDATE users SET login = ?2, email = ?3, first_name = ?4, last_name = "
                         "?5, password_hash = ?6, admin = ?7 WHERE id = ?1",
                         user.id, login, email, user.first_name, user.last_name, user.password_hash,
                         user.admin)
                         .status());
  return txn.Commit();
}

Status SqliteStore::DeleteUser(const std::string& id, std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(int64_t exists, QueryInt("SELECT count(*) FROM users WHERE id = ?1", id));
  if (exists == 0) return NotFoundError("Invalid user id (" + id + ").");
  std::vector<std::string> paths;
  TS_RETURN_IF_ERROR(DeleteFoldersLocked(
      "SELECT id FROM folders WHERE base_parent_type = 'user' AND base_parent_id = ?1", id,
      &paths));
  TS_ASSIGN_OR_RETURN(auto temps,
                      Query("SELECT temp_path FROM uploads WHERE user_id = ?1 AND temp_path <> ''",
                            ReadString, id));
  paths.insert(paths.end(), temps.begin(), temps.end());
  TS_RETURN_IF_ERROR(Run("DELETE FROM uploads WHERE user_id = ?1", id).status());
  TS_RETURN_IF_ERROR(Run("DELETE FROM tokens WHERE user_id = ?1", id).status());
  TS_RETURN_IF_ERROR(Run("DELETE FROM access WHERE user_id = ?1", id).status());
  TS_RETURN_IF_ERROR(Run("DELETE FROM users WHERE id = ?1", id).status());
  TS_RETURN_IF_ERROR(txn.Commit());
  AppendPaths(paths, removed_paths);
  return Status::Ok();
}

StatusOr<QuotaPolicy> SqliteStore::GetUserQuota(const std::string& user_id) {
  TS_RETURN_IF_ERROR(CheckId(user_id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(auto policy, GetUserQuotaLocked(user_id));
  return policy.first;
}

// quota_file_size NULL (none) travels as -1.
StatusOr<std::pair<QuotaPolicy, bool>> SqliteStore::GetUserQuotaLocked(const std::string& user_id) {
  TS_ASSIGN_OR_RETURN(Statement st,
                      db_->Prepare("SELECT coalesce(quota_file_size, -1), quota_use_default, "
                                   "admin FROM users WHERE id = ?1"));
  st.BindAll(user_id);
  TS_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFoundError("Invalid user id (" + user_id + ").");
  QuotaPolicy p;
  if (st.Int(0) >= 0) p.file_size_quota = st.Int(0);
  p.use_quota_default = st.Bool(1);
  return std::make_pair(p, st.Bool(2));
}

StatusOr<QuotaPolicy> SqliteStore::UpdateUserQuota(const std::string& user_id,
                                                   const QuotaPolicyChange& change) {
  TS_RETURN_IF_ERROR(CheckId(user_id));
  TS_RETURN_IF_ERROR(sqlite_store::CheckQuotaChange(change));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(auto current, GetUserQuotaLocked(user_id));
  QuotaPolicy p = current.first;
  if (change.set_file_size_quota) p.file_size_quota = change.file_size_quota;
  if (change.use_quota_default) p.use_quota_default = *change.use_quota_default;
  TS_RETURN_IF_ERROR(Run("UPDATE users SET quota_file_size = nullif(?2, -1), quota_use_default = "
                         "?3 WHERE id = ?1",
                         user_id, p.file_size_quota.value_or(-1), p.use_quota_default)
                         .status());
  TS_RETURN_IF_ERROR(txn.Commit());
  return p;
}

// --- tokens

Status SqliteStore::CreateToken(const TokenRecord& token) {
  if (token.token.empty()) return InvalidArgumentError("A token must not be empty.");
  TS_RETURN_IF_ERROR(CheckId(token.user_id));
  const int64_t created = token.created_ms != 0 ? token.created_ms : NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(int64_t exists,
                      QueryInt("SELECT count(*) FROM users WHERE id = ?1", token.user_id));
  if (exists == 0) return NotFoundError("Invalid user id (" + token.user_id + ").");
  Status s = Run("INSERT INTO tokens (token, user_id, created_ms, expires_ms) VALUES (?1, ?2, ?3, "
                 "?4)",
                 token.token, token.user_id, created, token.expires_ms)
                 .status();
  if (s.code() == StatusCode::kAlreadyExists) return AlreadyExistsError("The token exists.");
  TS_RETURN_IF_ERROR(s);
  return txn.Commit();
}

StatusOr<TokenRecord> SqliteStore::GetToken(const std::string& token, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(auto tokens,
                      Query(std::string(kTokenColumns) + "WHERE token = ?1 AND expires_ms > ?2",
                            ReadToken, token, now_ms));
  if (tokens.empty()) return NotFoundError("Invalid token.");
  return tokens.front();
}

Status SqliteStore::DeleteToken(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_RETURN_IF_ERROR(Run("DELETE FROM tokens WHERE token = ?1", token).status());
  return txn.Commit();
}

StatusOr<int64_t> SqliteStore::DeleteExpiredTokens(int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(int64_t n, Run("DELETE FROM tokens WHERE expires_ms <= ?1", now_ms));
  TS_RETURN_IF_ERROR(txn.Commit());
  return n;
}

// --- collections

StatusOr<CollectionRecord> SqliteStore::CreateCollection(CollectionRecord c) {
  if (c.name.empty()) return InvalidArgumentError("Collection name must not be empty.");
  if (c.id.empty()) c.id = NewObjectId();
  TS_RETURN_IF_ERROR(CheckId(c.id));
  if (c.created_ms == 0) c.created_ms = NowMs();
  if (c.updated_ms == 0) c.updated_ms = c.created_ms;
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  Status s =
      Run("INSERT INTO collections (id, name, description, creator_id, is_public, "
          "created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
          c.id, c.name, c.description, c.creator_id, c.access.is_public, c.created_ms, c.updated_ms)
          .status();
  if (s.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("A collection with that name already exists.");
  }
  TS_RETURN_IF_ERROR(s);
  TS_RETURN_IF_ERROR(WriteAccess("collection", "SELECT ?1 AS id", c.id, c.access));
  TS_RETURN_IF_ERROR(txn.Commit());
  return c;
}

StatusOr<CollectionRecord> SqliteStore::GetCollection(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(
      auto rows, Query(std::string(kCollectionColumns) + "WHERE c.id = ?1", ReadCollection, id));
  if (rows.empty()) return NotFoundError("Invalid collection id (" + id + ").");
  return rows.front();
}

StatusOr<std::vector<CollectionRecord>> SqliteStore::ListCollections(const ListQuery& query,
                                                                     const AccessFilter& filter) {
  TS_ASSIGN_OR_RETURN(std::string tail,
                      ListTailSql({"c.name"}, "c.name", "c.id", query, kCollectionSort));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Statement st, db_->Prepare(std::string(kCollectionColumns) + "WHERE " +
                                                 VisibleSql("c", "collection") + tail));
  BindListParams(&st, filter, query);
  std::vector<CollectionRecord> out;
  while (true) {
    TS_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.push_back(ReadCollection(st));
  }
}

Status SqliteStore::UpdateCollection(const CollectionRecord& c) {
  TS_RETURN_IF_ERROR(CheckId(c.id));
  if (c.name.empty()) return InvalidArgumentError("Collection name must not be empty.");
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  auto changed =
      Run("UPDATE collections SET name = ?2, description = ?3, is_public = ?4, "
          "updated_ms = ?5 WHERE id = ?1",
          c.id, c.name, c.description, c.access.is_public, NowMs());
  if (changed.status().code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("A collection with that name already exists.");
  }
  TS_RETURN_IF_ERROR(changed.status());
  if (*changed == 0) return NotFoundError("Invalid collection id (" + c.id + ").");
  TS_RETURN_IF_ERROR(WriteAccess("collection", "SELECT ?1 AS id", c.id, c.access));
  return txn.Commit();
}

Status SqliteStore::DeleteCollection(const std::string& id,
                                     std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(int64_t exists,
                      QueryInt("SELECT count(*) FROM collections WHERE id = ?1", id));
  if (exists == 0) return NotFoundError("Invalid collection id (" + id + ").");
  std::vector<std::string> paths;
  TS_RETURN_IF_ERROR(DeleteFoldersLocked(
      "SELECT id FROM folders WHERE base_parent_type = 'collection' AND base_parent_id = ?1", id,
      &paths));
  TS_RETURN_IF_ERROR(
      Run("DELETE FROM access WHERE resource_type = 'collection' AND resource_id = ?1", id)
          .status());
  TS_RETURN_IF_ERROR(Run("DELETE FROM collections WHERE id = ?1", id).status());
  TS_RETURN_IF_ERROR(txn.Commit());
  AppendPaths(paths, removed_paths);
  return Status::Ok();
}

}  // namespace tessera
