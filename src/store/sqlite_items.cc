// SqliteStore: items, files (with the item size bookkeeping) and resumable uploads.
#include "store/sqlite_store.h"

namespace tessera {

using sqlite_store::BindListParams;
using sqlite_store::CheckId;
using sqlite_store::CheckUploadFits;
using sqlite_store::ListTailSql;
using sqlite_store::NowMs;
using sqlite_store::SortField;
using sqlite_store::VisibleSql;

namespace {

// Items with the path of their large image file.
constexpr char kItemColumns[] =
    "SELECT i.id, i.name, i.description, i.folder_id, i.creator_id, i.size, i.meta_json, "
    "i.created_ms, i.updated_ms, i.large_image_file_id, i.source_name, i.large_image_job_id, "
    "lf.path FROM items i LEFT JOIN files lf ON lf.id = i.large_image_file_id ";

ItemRecord ReadItem(const Statement& st) {
  ItemRecord r;
  r.id = st.Text(0);
  r.name = st.Text(1);
  r.description = st.Text(2);
  r.folder_id = st.Text(3);
  r.creator_id = st.Text(4);
  r.size = st.Int(5);
  r.meta_json = st.Text(6);
  r.created_ms = st.Int(7);
  r.updated_ms = st.Int(8);
  r.large_image_file_id = st.Text(9);
  r.source_name = st.Text(10);
  r.large_image_job_id = st.Text(11);
  r.path = st.Text(12);
  return r;
}

constexpr char kFileColumns[] =
    "SELECT id, item_id, name, mime_type, size, sha512, path, imported, creator_id, created_ms "
    "FROM files ";

FileRecord ReadFile(const Statement& st) {
  FileRecord f;
  f.id = st.Text(0);
  f.item_id = st.Text(1);
  f.name = st.Text(2);
  f.mime_type = st.Text(3);
  f.size = st.Int(4);
  f.sha512 = st.Text(5);
  f.path = st.Text(6);
  f.imported = st.Bool(7);
  f.creator_id = st.Text(8);
  f.created_ms = st.Int(9);
  return f;
}

// UserStorageBytes (?1: the user id); files_creator and uploads_user make it two index scans.
constexpr char kStorageBytesSql[] =
    "SELECT (SELECT coalesce(sum(size), 0) FROM files WHERE creator_id = ?1 AND imported = 0) + "
    "(SELECT coalesce(sum(size), 0) FROM uploads WHERE user_id = ?1)";

constexpr char kUploadColumns[] =
    "SELECT id, user_id, parent_is_item, parent_id, name, mime_type, size, received, temp_path, "
    "created_ms, updated_ms FROM uploads ";

UploadRecord ReadUpload(const Statement& st) {
  UploadRecord u;
  u.id = st.Text(0);
  u.user_id = st.Text(1);
  u.parent_is_item = st.Bool(2);
  u.parent_id = st.Text(3);
  u.name = st.Text(4);
  u.mime_type = st.Text(5);
  u.size = st.Int(6);
  u.received = st.Int(7);
  u.temp_path = st.Text(8);
  u.created_ms = st.Int(9);
  u.updated_ms = st.Int(10);
  return u;
}

std::string ReadString(const Statement& st) { return st.Text(0); }

const std::vector<SortField> kItemSort = {{"name", "i.name"},
                                          {"lowerName", "lower(i.name)"},
                                          {"created", "i.created_ms"},
                                          {"updated", "i.updated_ms"},
                                          {"size", "i.size"}};

void Append(const std::vector<std::string>& paths, std::vector<std::string>* out) {
  if (out != nullptr) out->insert(out->end(), paths.begin(), paths.end());
}

}  // namespace

StatusOr<ItemRecord> SqliteStore::GetItemLocked(const std::string& id) {
  TS_ASSIGN_OR_RETURN(auto rows,
                      Query(std::string(kItemColumns) + "WHERE i.id = ?1", ReadItem, id));
  if (rows.empty()) return NotFoundError("Invalid item id (" + id + ").");
  return rows.front();
}

Status SqliteStore::InsertItemLocked(const ItemRecord& item) {
  TS_RETURN_IF_ERROR(CheckParentLocked(ParentType::kFolder, item.folder_id));
  return Run("INSERT INTO items (id, name, description, folder_id, creator_id, size, meta_json, "
             "created_ms, updated_ms, large_image_file_id, source_name, large_image_job_id) "
             "VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8, ?9, ?10, ?11)",
             item.id, item.name, item.description, item.folder_id, item.creator_id,
             item.meta_json.empty() ? std::string("{}") : item.meta_json, item.created_ms,
             item.updated_ms, item.large_image_file_id, item.source_name, item.large_image_job_id)
      .status();
}

Status SqliteStore::DeleteItemsLocked(const std::string& items_sql, const std::string& id,
                                      std::vector<std::string>* removed_paths) {
  const std::string in = " IN (" + items_sql + ")";
  TS_ASSIGN_OR_RETURN(
      auto files,
      Query("SELECT path FROM files WHERE imported = 0 AND item_id" + in, ReadString, id));
  TS_ASSIGN_OR_RETURN(auto thumbs,
                      Query("SELECT path FROM thumbnails WHERE item_id" + in, ReadString, id));
  const std::string uploads_where = " FROM uploads WHERE parent_is_item = 1 AND parent_id" + in;
  TS_ASSIGN_OR_RETURN(auto temps, Query("SELECT temp_path" + uploads_where + " AND temp_path <> ''",
                                        ReadString, id));
  TS_RETURN_IF_ERROR(Run("DELETE" + uploads_where, id).status());
  // Files and thumbnails cascade.
  TS_RETURN_IF_ERROR(Run("DELETE FROM items WHERE id" + in, id).status());
  Append(files, removed_paths);
  Append(thumbs, removed_paths);
  Append(temps, removed_paths);
  return Status::Ok();
}

StatusOr<ItemRecord> SqliteStore::CreateItem(ItemRecord item) {
  if (item.name.empty()) return InvalidArgumentError("Item name must not be empty.");
  if (item.id.empty()) item.id = NewObjectId();
  TS_RETURN_IF_ERROR(CheckId(item.id));
  TS_RETURN_IF_ERROR(CheckId(item.folder_id));
  if (item.created_ms == 0) item.created_ms = NowMs();
  if (item.updated_ms == 0) item.updated_ms = item.created_ms;
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_RETURN_IF_ERROR(InsertItemLocked(item));
  TS_ASSIGN_OR_RETURN(ItemRecord stored, GetItemLocked(item.id));
  TS_RETURN_IF_ERROR(txn.Commit());
  return stored;
}

StatusOr<ItemRecord> SqliteStore::GetItem(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  return GetItemLocked(id);
}

StatusOr<std::vector<ItemRecord>> SqliteStore::ListItems(const std::string& folder_id,
                                                         const ListQuery& query,
                                                         const AccessFilter& filter) {
  if (!folder_id.empty()) TS_RETURN_IF_ERROR(CheckId(folder_id));
  TS_ASSIGN_OR_RETURN(std::string tail,
                      ListTailSql({"i.name"}, "i.name", "i.id", query, kItemSort));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Statement st, db_->Prepare(std::string(kItemColumns) +
                                                 "JOIN folders f ON f.id = i.folder_id WHERE (?1 "
                                                 "= '' OR i.folder_id = ?1) AND " +
                                                 VisibleSql("f", "folder") + tail));
  st.Bind(1, folder_id);
  BindListParams(&st, filter, query);
  std::vector<ItemRecord> out;
  while (true) {
    TS_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.push_back(ReadItem(st));
  }
}

StatusOr<int64_t> SqliteStore::CountItems() {
  std::lock_guard<std::mutex> lock(mu_);
  return QueryInt("SELECT count(*) FROM items");
}

Status SqliteStore::UpdateItem(const ItemRecord& item) {
  TS_RETURN_IF_ERROR(CheckId(item.id));
  TS_RETURN_IF_ERROR(CheckId(item.folder_id));
  if (item.name.empty()) return InvalidArgumentError("Item name must not be empty.");
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(ItemRecord old, GetItemLocked(item.id));
  if (old.folder_id != item.folder_id) {
    TS_RETURN_IF_ERROR(CheckParentLocked(ParentType::kFolder, item.folder_id));
  }
  if (!item.large_image_file_id.empty()) {
    TS_ASSIGN_OR_RETURN(int64_t n, QueryInt("SELECT count(*) FROM files WHERE id = ?1 AND "
                                            "item_id = ?2",
                                            item.large_image_file_id, item.id));
    if (n == 0) {
      return InvalidArgumentError("The large image file " + item.large_image_file_id +
                                  " is not a file of item " + item.id + ".");
    }
  }
  TS_RETURN_IF_ERROR(Run("UPDATE items SET name = ?2, description = ?3, folder_id = ?4, "
                         "meta_json = ?5, updated_ms = ?6, large_image_file_id = ?7, "
                         "source_name = ?8, large_image_job_id = ?9 WHERE id = ?1",
                         item.id, item.name, item.description, item.folder_id,
                         item.meta_json.empty() ? std::string("{}") : item.meta_json, NowMs(),
                         item.large_image_file_id, item.source_name, item.large_image_job_id)
                         .status());
  return txn.Commit();
}

Status SqliteStore::DeleteItem(const std::string& id, std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(int64_t exists, QueryInt("SELECT count(*) FROM items WHERE id = ?1", id));
  if (exists == 0) return NotFoundError("Invalid item id (" + id + ").");
  std::vector<std::string> paths;
  TS_RETURN_IF_ERROR(DeleteItemsLocked("SELECT ?1 AS id", id, &paths));
  TS_RETURN_IF_ERROR(txn.Commit());
  Append(paths, removed_paths);
  return Status::Ok();
}

// --- files

StatusOr<FileRecord> SqliteStore::InsertFileLocked(FileRecord file) {
  TS_RETURN_IF_ERROR(CheckId(file.item_id));
  if (file.id.empty()) file.id = NewObjectId();
  TS_RETURN_IF_ERROR(CheckId(file.id));
  if (file.size < 0) return InvalidArgumentError("A file size must not be negative.");
  if (file.created_ms == 0) file.created_ms = NowMs();
  TS_ASSIGN_OR_RETURN(int64_t exists,
                      QueryInt("SELECT count(*) FROM items WHERE id = ?1", file.item_id));
  if (exists == 0) return NotFoundError("Invalid item id (" + file.item_id + ").");
  Status s = Run("INSERT INTO files (id, item_id, name, mime_type, size, sha512, path, imported, "
                 "creator_id, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                 file.id, file.item_id, file.name, file.mime_type, file.size, file.sha512,
                 file.path, file.imported, file.creator_id, file.created_ms)
                 .status();
  if (s.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("A file with id " + file.id + " exists.");
  }
  TS_RETURN_IF_ERROR(s);
  TS_RETURN_IF_ERROR(
      Run("UPDATE items SET size = size + ?2 WHERE id = ?1", file.item_id, file.size).status());
  return file;
}

StatusOr<FileRecord> SqliteStore::CreateFile(FileRecord file) {
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(FileRecord stored, InsertFileLocked(std::move(file)));
  TS_RETURN_IF_ERROR(txn.Commit());
  return stored;
}

StatusOr<FileRecord> SqliteStore::GetFile(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(auto rows, Query(std::string(kFileColumns) + "WHERE id = ?1", ReadFile, id));
  if (rows.empty()) return NotFoundError("Invalid file id (" + id + ").");
  return rows.front();
}

StatusOr<std::optional<FileRecord>> SqliteStore::FindFileByPath(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(auto rows, Query(std::string(kFileColumns) +
                                           "WHERE path = ?1 ORDER BY created_ms, id LIMIT 1",
                                       ReadFile, path));
  if (rows.empty()) return std::optional<FileRecord>();
  return std::optional<FileRecord>(rows.front());
}

StatusOr<std::vector<FileRecord>> SqliteStore::ListFiles(const std::string& item_id) {
  TS_RETURN_IF_ERROR(CheckId(item_id));
  std::lock_guard<std::mutex> lock(mu_);
  return Query(std::string(kFileColumns) + "WHERE item_id = ?1 ORDER BY created_ms, id", ReadFile,
               item_id);
}

Status SqliteStore::DeleteFile(const std::string& id, std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(auto rows, Query(std::string(kFileColumns) + "WHERE id = ?1", ReadFile, id));
  if (rows.empty()) return NotFoundError("Invalid file id (" + id + ").");
  const FileRecord& file = rows.front();
  TS_RETURN_IF_ERROR(Run("DELETE FROM files WHERE id = ?1", id).status());
  TS_RETURN_IF_ERROR(
      Run("UPDATE items SET size = max(0, size - ?2) WHERE id = ?1", file.item_id, file.size)
          .status());
  TS_RETURN_IF_ERROR(Run("UPDATE items SET large_image_file_id = '', source_name = '', "
                         "large_image_job_id = '' WHERE id = ?1 AND large_image_file_id = ?2",
                         file.item_id, id)
                         .status());
  TS_RETURN_IF_ERROR(txn.Commit());
  if (!file.imported && removed_paths != nullptr) removed_paths->push_back(file.path);
  return Status::Ok();
}

// --- uploads

StatusOr<UploadRecord> SqliteStore::CreateUpload(UploadRecord upload, UploadQuotaCheck* quota) {
  if (upload.id.empty()) upload.id = NewObjectId();
  TS_RETURN_IF_ERROR(CheckId(upload.id));
  TS_RETURN_IF_ERROR(CheckId(upload.parent_id));
  if (upload.size < 0) return InvalidArgumentError("An upload size must not be negative.");
  if (upload.created_ms == 0) upload.created_ms = NowMs();
  if (upload.updated_ms == 0) upload.updated_ms = upload.created_ms;
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  if (upload.parent_is_item) {
    TS_ASSIGN_OR_RETURN(int64_t n,
                        QueryInt("SELECT count(*) FROM items WHERE id = ?1", upload.parent_id));
    if (n == 0) return NotFoundError("Invalid item id (" + upload.parent_id + ").");
  } else {
    TS_RETURN_IF_ERROR(CheckParentLocked(ParentType::kFolder, upload.parent_id));
  }
  if (quota != nullptr) {
    // BEGIN IMMEDIATE holds the write lock from here to the commit: no other upload (of this
    // or another connection or process) can start between the sum and the insert.
    quota->exceeded = false;
    TS_RETURN_IF_ERROR(CheckId(upload.user_id));
    TS_ASSIGN_OR_RETURN(auto policy, GetUserQuotaLocked(upload.user_id));
    const std::optional<int64_t> limit =
        EffectiveFileSizeQuota(policy.first, policy.second, quota->default_bytes);
    if (limit) {
      TS_ASSIGN_OR_RETURN(int64_t used, QueryInt(kStorageBytesSql, upload.user_id));
      TS_RETURN_IF_ERROR(CheckUploadFits(*limit, used, upload.size, quota));
    }
  }
  TS_RETURN_IF_ERROR(Run("INSERT INTO uploads (id, user_id, parent_is_item, parent_id, name, "
                         "mime_type, size, received, temp_path, created_ms, updated_ms) VALUES "
                         "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                         upload.id, upload.user_id, upload.parent_is_item, upload.parent_id,
                         upload.name, upload.mime_type, upload.size, upload.received,
                         upload.temp_path, upload.created_ms, upload.updated_ms)
                         .status());
  TS_RETURN_IF_ERROR(txn.Commit());
  return upload;
}

StatusOr<UploadRecord> SqliteStore::GetUpload(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(auto rows,
                      Query(std::string(kUploadColumns) + "WHERE id = ?1", ReadUpload, id));
  if (rows.empty()) return NotFoundError("Invalid upload id (" + id + ").");
  return rows.front();
}

Status SqliteStore::SetUploadReceived(const std::string& id, int64_t received) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(int64_t n, Run("UPDATE uploads SET received = ?2, updated_ms = ?3 WHERE "
                                     "id = ?1",
                                     id, received, NowMs()));
  if (n == 0) return NotFoundError("Invalid upload id (" + id + ").");
  return txn.Commit();
}

Status SqliteStore::DeleteUpload(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(int64_t n, Run("DELETE FROM uploads WHERE id = ?1", id));
  if (n == 0) return NotFoundError("Invalid upload id (" + id + ").");
  return txn.Commit();
}

StatusOr<std::vector<UploadRecord>> SqliteStore::ListUploads() {
  std::lock_guard<std::mutex> lock(mu_);
  return Query(std::string(kUploadColumns) + "ORDER BY created_ms, id", ReadUpload);
}

StatusOr<int64_t> SqliteStore::UserStorageBytes(const std::string& user_id) {
  TS_RETURN_IF_ERROR(CheckId(user_id));
  std::lock_guard<std::mutex> lock(mu_);
  return QueryInt(kStorageBytesSql, user_id);
}

StatusOr<std::pair<FileRecord, ItemRecord>> SqliteStore::CompleteUpload(
    const std::string& upload_id, FileRecord file) {
  TS_RETURN_IF_ERROR(CheckId(upload_id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(auto uploads,
                      Query(std::string(kUploadColumns) + "WHERE id = ?1", ReadUpload, upload_id));
  if (uploads.empty()) return NotFoundError("Invalid upload id (" + upload_id + ").");
  const UploadRecord& upload = uploads.front();
  std::string item_id = upload.parent_id;
  if (!upload.parent_is_item) {
    ItemRecord item;
    item.id = NewObjectId();
    item.name = upload.name;
    item.folder_id = upload.parent_id;
    item.creator_id = upload.user_id;
    item.created_ms = item.updated_ms = NowMs();
    TS_RETURN_IF_ERROR(InsertItemLocked(item));
    item_id = item.id;
  }
  file.item_id = item_id;
  if (file.name.empty()) file.name = upload.name;
  if (file.mime_type.empty()) file.mime_type = upload.mime_type;
  if (file.creator_id.empty()) file.creator_id = upload.user_id;
  TS_ASSIGN_OR_RETURN(FileRecord stored, InsertFileLocked(std::move(file)));
  TS_RETURN_IF_ERROR(Run("DELETE FROM uploads WHERE id = ?1", upload_id).status());
  TS_ASSIGN_OR_RETURN(ItemRecord item, GetItemLocked(item_id));
  TS_RETURN_IF_ERROR(txn.Commit());
  return std::make_pair(std::move(stored), std::move(item));
}

}  // namespace tessera
