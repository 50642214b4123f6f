// SqliteStore: the MetadataStore over one SQLite connection (sqlite_db.h). Private to
// src/store: the rest of the code opens it through OpenSqliteStore (metadata_store.h).
// The methods are split by record kind: sqlite_store.cc (users, tokens, collections),
// sqlite_folders.cc (folders, access), sqlite_items.cc (items, files, uploads),
// sqlite_jobs.cc (jobs, thumbnails).
//
// Every write runs in a BEGIN IMMEDIATE transaction, so a write never reads a stale snapshot
// and several connections (threads of other stores, other processes) queue on the busy
// timeout instead of failing. Reads are single statements.
// Thread-safety: one mutex around the connection; safe from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/thread_annotations.h"
#include "store/metadata_store.h"
#include "store/sqlite_db.h"

namespace tessera {

class SqliteStore final : public MetadataStore {
 public:
  explicit SqliteStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

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

 private:
  // Runs `sql` with `args` bound from ?1 and reads every row with `read`.
  template <typename T, typename... Args>
  StatusOr<std::vector<T>> Query(const std::string& sql, T (*read)(const Statement&),
                                 const Args&... args) REQUIRES(mu_) {
    TS_ASSIGN_OR_RETURN(Statement st, db_->Prepare(sql));
    st.BindAll(args...);
    std::vector<T> out;
    while (true) {
      TS_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return out;
      out.push_back(read(st));
    }
  }
  // Runs a statement without rows; returns the number of rows it changed.
  template <typename... Args>
  StatusOr<int64_t> Run(const std::string& sql, const Args&... args) REQUIRES(mu_) {
    TS_ASSIGN_OR_RETURN(Statement st, db_->Prepare(sql));
    TS_RETURN_IF_ERROR(st.BindAll(args...).Run());
    return db_->Changes();
  }
  // The first column of the first row as an integer (0 when there is none).
  template <typename... Args>
  StatusOr<int64_t> QueryInt(const std::string& sql, const Args&... args) REQUIRES(mu_) {
    TS_ASSIGN_OR_RETURN(Statement st, db_->Prepare(sql));
    st.BindAll(args...);
    TS_ASSIGN_OR_RETURN(bool row, st.Step());
    return row ? st.Int(0) : 0;
  }

  // Replaces the access list of a collection or folder(s); `ids_sql` selects the ids (?1 bound
  // to `id`).
  Status WriteAccess(std::string_view resource_type, const std::string& ids_sql,
                     const std::string& id, const AccessList& access) REQUIRES(mu_);
  // Deletes the folders `folders_sql` selects (?1 bound to `id`) with their items, files,
  // thumbnails, uploads and grants; appends the content paths to `removed_paths`.
  Status DeleteFoldersLocked(const std::string& folders_sql, const std::string& id,
                             std::vector<std::string>* removed_paths) REQUIRES(mu_);
  // Deletes the items `items_sql` selects (?1 bound to `id`) the same way.
  Status DeleteItemsLocked(const std::string& items_sql, const std::string& id,
                           std::vector<std::string>* removed_paths) REQUIRES(mu_);
  StatusOr<ItemRecord> GetItemLocked(const std::string& id) REQUIRES(mu_);
  // The user's quota policy and admin flag; NotFound for a missing user.
  StatusOr<std::pair<QuotaPolicy, bool>> GetUserQuotaLocked(const std::string& user_id)
      REQUIRES(mu_);
  StatusOr<FolderRecord> GetFolderLocked(const std::string& id) REQUIRES(mu_);
  // Inserts an item (size 0) into an existing folder.
  Status InsertItemLocked(const ItemRecord& item) REQUIRES(mu_);
  // Inserts a file into an existing item and grows the item's size.
  StatusOr<FileRecord> InsertFileLocked(FileRecord file) REQUIRES(mu_);
  // NotFound unless the collection, folder or user exists.
  Status CheckParentLocked(ParentType type, const std::string& id) REQUIRES(mu_);

  std::mutex mu_;
  std::unique_ptr<SqliteDb> db_ PT_GUARDED_BY(mu_);
};

// Shared by the SqliteStore files.
namespace sqlite_store {

using store_util::CheckAccessList;
using store_util::CheckId;
using store_util::CheckQuotaChange;
using store_util::CheckUploadFits;
using store_util::NowMs;
using store_util::ParseGrants;
// SQL that is true when the row of `alias` (a collection or folder of `resource_type`) is
// visible under the filter bound at ?3 (all), ?4 (user id), ?5 (level).
std::string VisibleSql(std::string_view alias, std::string_view resource_type);
// Binds the filter (?3..?5), text (?6), name (?7), limit (?8) and offset (?9).
void BindListParams(Statement* st, const AccessFilter& filter, const ListQuery& query);
// " AND <text (?6) in any of `text_columns`> AND <name_column = name (?7)> ORDER BY ... LIMIT
// ?8 OFFSET ?9". `fields` maps the accepted sort fields to columns (a whitelist: the only
// non-constant SQL); InvalidArgument for other fields. Ties break on `id_column`.
struct SortField {
  std::string_view field;
  std::string_view column;
};
StatusOr<std::string> ListTailSql(const std::vector<std::string_view>& text_columns,
                                  std::string_view name_column, std::string_view id_column,
                                  const ListQuery& query, const std::vector<SortField>& fields);

}  // namespace sqlite_store
}  // namespace tessera
