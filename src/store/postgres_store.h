// PostgresStore: the MetadataStore over a pool of PostgreSQL connections (postgres_db.h), for
// several Tessera nodes sharing one database. Private to src/store: the rest of the code opens
// it through OpenPostgresStore (metadata_store.h). The methods are split by record kind like the
// SQLite store's: postgres_store.cc (opening, users, tokens, collections), postgres_folders.cc,
// postgres_items.cc, postgres_jobs.cc (jobs, thumbnails).
//
// Every write that reads before it writes, or writes more than one row, runs in one SERIALIZABLE
// transaction (Write), which PostgreSQL may abort when another node's transaction conflicts;
// Write then runs the whole body again on a fresh snapshot (a few times, with a short random
// pause), so callers see either all of an operation or none of it. Reads are single statements
// on a pooled connection (Read). A connection found dead before anything ran on it (an idle one
// after a server restart) is dropped and the call retried on another, so a restart costs the
// calls in flight only. Same SQL, same results as SQLite: text compares and sorts in byte order
// (COLLATE "C"), lower() folds ASCII only, access filtering happens in SQL so limit/offset count
// visible rows only.
// Thread-safety: safe from any thread; each call borrows its own connection.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/metadata_store.h"
#include "store/postgres_db.h"

namespace tessera {

class PostgresStore final : public MetadataStore {
 public:
  explicit PostgresStore(PgPoolOptions options) : pool_(std::move(options)) {}

  StatusOr<UserRecord> CreateUser(UserRecord user) override;
  StatusOr<UserRecord> GetUser(const std::string& id) override;
  StatusOr<UserRecord> FindUser(const std::string& login_or_email) override;
  StatusOr<std::vector<UserRecord>> ListUsers(const ListQuery& query) override;
  StatusOr<int64_t> CountUsers() override;
  Status UpdateUser(const UserRecord& user) override;
  Status DeleteUser(const std::string& id, std::vector<std::string>* removed_paths) override;
  StatusOr<QuotaPolicy> GetUserQuota(const std::string& user_id) override;
  StatusOr<QuotaPolicy> UpdateUserQuota(const std::string& user_id,
                                        const QuotaPolicyChange& change) override;

  Status CreateToken(const TokenRecord& token) override;
  StatusOr<TokenRecord> GetToken(const std::string& token, int64_t now_ms) override;
  Status DeleteToken(const std::string& token) override;
  StatusOr<int64_t> DeleteExpiredTokens(int64_t now_ms) override;

  StatusOr<CollectionRecord> CreateCollection(CollectionRecord c) override;
  StatusOr<CollectionRecord> GetCollection(const std::string& id) override;
  StatusOr<std::vector<CollectionRecord>> ListCollections(const ListQuery& query,
                                                          const AccessFilter& filter) override;
  Status UpdateCollection(const CollectionRecord& c) override;
  Status DeleteCollection(const std::string& id, std::vector<std::string>* removed_paths) override;

  StatusOr<FolderRecord> CreateFolder(FolderRecord f) override;
  StatusOr<FolderRecord> GetFolder(const std::string& id) override;
  StatusOr<std::vector<FolderRecord>> ListFolders(ParentType parent_type,
                                                  const std::string& parent_id,
                                                  const ListQuery& query,
                                                  const AccessFilter& filter) override;
  Status UpdateFolder(const FolderRecord& f) override;
  Status SetFolderAccess(const std::string& id, const AccessList& access, bool recurse) override;
  Status DeleteFolder(const std::string& id, std::vector<std::string>* removed_paths) override;

  StatusOr<ItemRecord> CreateItem(ItemRecord item) override;
  StatusOr<ItemRecord> GetItem(const std::string& id) override;
  StatusOr<std::vector<ItemRecord>> ListItems(const std::string& folder_id, const ListQuery& query,
                                              const AccessFilter& filter) override;
  StatusOr<int64_t> CountItems() override;
  Status UpdateItem(const ItemRecord& item) override;
  Status DeleteItem(const std::string& id, std::vector<std::string>* removed_paths) override;

  StatusOr<FileRecord> CreateFile(FileRecord file) override;
  StatusOr<FileRecord> GetFile(const std::string& id) override;
  StatusOr<std::optional<FileRecord>> FindFileByPath(const std::string& path) override;
  StatusOr<std::vector<FileRecord>> ListFiles(const std::string& item_id) override;
  Status DeleteFile(const std::string& id, std::vector<std::string>* removed_paths) override;

  StatusOr<UploadRecord> CreateUpload(UploadRecord upload, UploadQuotaCheck* quota) override;
  StatusOr<UploadRecord> GetUpload(const std::string& id) override;
  Status SetUploadReceived(const std::string& id, int64_t received) override;
  Status DeleteUpload(const std::string& id) override;
  StatusOr<std::vector<UploadRecord>> ListUploads() override;
  StatusOr<int64_t> UserStorageBytes(const std::string& user_id) override;
  StatusOr<std::pair<FileRecord, ItemRecord>> CompleteUpload(const std::string& upload_id,
                                                             FileRecord file) override;

  StatusOr<JobRecord> CreateJob(JobRecord job) override;
  StatusOr<JobRecord> GetJob(const std::string& id) override;
  Status UpdateJob(const JobRecord& job) override;
  StatusOr<std::vector<JobRecord>> ListJobs(const std::string& user_id,
                                            const ListQuery& query) override;

  Status PutThumbnail(const ThumbnailRecord& t, int max_per_item,
                      std::vector<std::string>* removed_paths) override;
  StatusOr<std::optional<ThumbnailRecord>> FindThumbnail(const std::string& item_id,
                                                         const std::string& key) override;
  Status DeleteThumbnails(const std::string& item_id,
                          std::vector<std::string>* removed_paths) override;

  // Opens a connection and migrates the schema (OpenPostgresStore calls it once).
  Status Migrate();
  PgPool& pool() { return pool_; }

 private:
  using Body = std::function<Status(PgConnection&)>;
  // Runs `body` on a pooled connection, outside a transaction.
  Status Read(const Body& body);
  // Runs `body` in a SERIALIZABLE transaction, committed when it returns Ok, rolled back (and run
  // again when PostgreSQL aborted it for a conflict) otherwise. The body must only record its
  // results in variables it resets itself: it may run more than once.
  Status Write(const Body& body);
  // Read and Write: acquire, run, retry on a dead idle connection or (transactional) a conflict.
  Status Run(const Body& body, bool transactional);

  // Shared pieces of the cascades, on the transaction's connection. `folders_sql` / `items_sql`
  // select ids with $1 bound to `id`; content paths are appended to `paths`.
  static Status DeleteFolders(PgConnection& c, const std::string& folders_sql,
                              const std::string& id, std::vector<std::string>* paths);
  static Status DeleteItems(PgConnection& c, const std::string& items_sql, const std::string& id,
                            std::vector<std::string>* paths);
  // Replaces the access list of the collection or folder(s) `ids_sql` selects ($1 = id).
  static Status WriteAccess(PgConnection& c, std::string_view resource_type,
                            const std::string& ids_sql, const std::string& id,
                            const AccessList& access);
  static StatusOr<FolderRecord> GetFolderOn(PgConnection& c, const std::string& id);
  static StatusOr<ItemRecord> GetItemOn(PgConnection& c, const std::string& id);
  // The user's quota policy and admin flag; NotFound for a missing user.
  static StatusOr<std::pair<QuotaPolicy, bool>> GetUserQuotaOn(PgConnection& c,
                                                               const std::string& user_id);
  static Status CheckParent(PgConnection& c, ParentType type, const std::string& id);
  static Status InsertItem(PgConnection& c, const ItemRecord& item);
  static StatusOr<FileRecord> InsertFile(PgConnection& c, FileRecord file);

  PgPool pool_;
};

// Shared by the PostgresStore files.
namespace postgres_store {

using store_util::CheckAccessList;
using store_util::CheckId;
using store_util::CheckQuotaChange;
using store_util::CheckUploadFits;
using store_util::NowMs;
using store_util::ParseGrants;
// Runs `sql` with `args` bound from $1 and reads every row with `read`.
template <typename T, typename... Args>
StatusOr<std::vector<T>> Query(PgConnection& c, const std::string& sql,
                               T (*read)(const PgResult&, int), const Args&... args) {
  TS_ASSIGN_OR_RETURN(PgResult res, c.Exec(sql, PgParams::Of(args...)));
  std::vector<T> out;
  out.reserve(res.rows());
  for (int r = 0; r < res.rows(); ++r) out.push_back(read(res, r));
  return out;
}
// Runs a statement without rows; returns the number of rows it changed.
template <typename... Args>
StatusOr<int64_t> Exec(PgConnection& c, const std::string& sql, const Args&... args) {
  TS_ASSIGN_OR_RETURN(PgResult res, c.Exec(sql, PgParams::Of(args...)));
  return res.changed();
}
// The first column of the first row as an integer (0 when there is none).
template <typename... Args>
StatusOr<int64_t> QueryInt(PgConnection& c, const std::string& sql, const Args&... args) {
  TS_ASSIGN_OR_RETURN(PgResult res, c.Exec(sql, PgParams::Of(args...)));
  return res.rows() > 0 ? res.Int(0, 0) : 0;
}
std::string ReadString(const PgResult& r, int row);
// SQL true when the row of `alias` (a collection or folder of `resource_type`) is visible under
// the filter bound at $3 (all), $4 (user id), $5 (level).
std::string VisibleSql(std::string_view alias, std::string_view resource_type);
// The parameters from $3: filter ($3..$5), text ($6), name ($7), limit ($8), offset ($9).
void AddListParams(PgParams* p, const AccessFilter& filter, const ListQuery& query);
struct SortField {
  std::string_view field;
  std::string_view column;
};
// " AND <text ($6) in any of `text_columns`> AND <name_column = name ($7)> ORDER BY ... LIMIT $8
// OFFSET $9"; `fields` whitelists the sort columns (InvalidArgument for others); ties break on
// `id_column`.
StatusOr<std::string> ListTailSql(const std::vector<std::string_view>& text_columns,
                                  std::string_view name_column, std::string_view id_column,
                                  const ListQuery& query, const std::vector<SortField>& fields);
// Runs a list statement whose parameters are `first` ($1, $2 ...) then the list's ($3..$9).
template <typename T>
StatusOr<std::vector<T>> QueryList(PgConnection& c, const std::string& sql, PgParams params,
                                   const AccessFilter& filter, const ListQuery& query,
                                   T (*read)(const PgResult&, int)) {
  AddListParams(&params, filter, query);
  TS_ASSIGN_OR_RETURN(PgResult res, c.Exec(sql, params));
  std::vector<T> out;
  out.reserve(res.rows());
  for (int r = 0; r < res.rows(); ++r) out.push_back(read(res, r));
  return out;
}

}  // namespace postgres_store
}  // namespace tessera
