// PostgresStore: items, files (with the item size bookkeeping) and resumable uploads.
#include "store/postgres_store.h"

namespace tessera {

using postgres_store::CheckId;
using postgres_store::CheckUploadFits;
using postgres_store::Exec;
using postgres_store::ListTailSql;
using postgres_store::NowMs;
using postgres_store::Query;
using postgres_store::QueryInt;
using postgres_store::QueryList;
using postgres_store::ReadString;
using postgres_store::SortField;
using postgres_store::VisibleSql;

namespace {

// Items with the path of their large image file.
constexpr char kItemColumns[] =
    "SELECT i.id, i.name, i.description, i.folder_id, i.creator_id, i.size, i.meta_json, "
    "i.created_ms, i.updated_ms, i.large_image_file_id, i.source_name, i.large_image_job_id, "
    "lf.path FROM items i LEFT JOIN files lf ON lf.id = i.large_image_file_id ";

ItemRecord ReadItem(const PgResult& r, int row) {
  ItemRecord i;
  i.id = r.Text(row, 0);
  i.name = r.Text(row, 1);
  i.description = r.Text(row, 2);
  i.folder_id = r.Text(row, 3);
  i.creator_id = r.Text(row, 4);
  i.size = r.Int(row, 5);
  i.meta_json = r.Text(row, 6);
  i.created_ms = r.Int(row, 7);
  i.updated_ms = r.Int(row, 8);
  i.large_image_file_id = r.Text(row, 9);
  i.source_name = r.Text(row, 10);
  i.large_image_job_id = r.Text(row, 11);
  i.path = r.Text(row, 12);
  return i;
}

constexpr char kFileColumns[] =
    "SELECT id, item_id, name, mime_type, size, sha512, path, imported, creator_id, created_ms "
    "FROM files ";

FileRecord ReadFile(const PgResult& r, int row) {
  FileRecord f;
  f.id = r.Text(row, 0);
  f.item_id = r.Text(row, 1);
  f.name = r.Text(row, 2);
  f.mime_type = r.Text(row, 3);
  f.size = r.Int(row, 4);
  f.sha512 = r.Text(row, 5);
  f.path = r.Text(row, 6);
  f.imported = r.Bool(row, 7);
  f.creator_id = r.Text(row, 8);
  f.created_ms = r.Int(row, 9);
  return f;
}

// UserStorageBytes ($1: the user id); files_creator and uploads_user make it two index scans.
constexpr char kStorageBytesSql[] =
    "SELECT ((SELECT coalesce(sum(size), 0) FROM files WHERE creator_id = $1 AND NOT imported) + "
    "(SELECT coalesce(sum(size), 0) FROM uploads WHERE user_id = $1))::bigint";

constexpr char kUploadColumns[] =
    "SELECT id, user_id, parent_is_item, parent_id, name, mime_type, size, received, temp_path, "
    "created_ms, updated_ms FROM uploads ";

UploadRecord ReadUpload(const PgResult& r, int row) {
  UploadRecord u;
  u.id = r.Text(row, 0);
  u.user_id = r.Text(row, 1);
  u.parent_is_item = r.Bool(row, 2);
  u.parent_id = r.Text(row, 3);
  u.name = r.Text(row, 4);
  u.mime_type = r.Text(row, 5);
  u.size = r.Int(row, 6);
  u.received = r.Int(row, 7);
  u.temp_path = r.Text(row, 8);
  u.created_ms = r.Int(row, 9);
  u.updated_ms = r.Int(row, 10);
  return u;
}

const std::vector<SortField> kItemSort = {{"name", "i.name"},
                                          {"lowerName", "lower(i.name)"},
                                          {"created", "i.created_ms"},
                                          {"updated", "i.updated_ms"},
                                          {"size", "i.size"}};

void Append(const std::vector<std::string>& paths, std::vector<std::string>* out) {
  if (out != nullptr) out->insert(out->end(), paths.begin(), paths.end());
}

}  // namespace

StatusOr<ItemRecord> PostgresStore::GetItemOn(PgConnection& c, const std::string& id) {
  TS_ASSIGN_OR_RETURN(auto rows,
                      Query(c, std::string(kItemColumns) + "WHERE i.id = $1", ReadItem, id));
  if (rows.empty()) return NotFoundError("Invalid item id (" + id + ").");
  return rows.front();
}

Status PostgresStore::InsertItem(PgConnection& c, const ItemRecord& item) {
  TS_RETURN_IF_ERROR(CheckParent(c, ParentType::kFolder, item.folder_id));
  return Exec(c,
              "INSERT INTO items (id, name, description, folder_id, creator_id, size, meta_json, "
              "created_ms, updated_ms, large_image_file_id, source_name, large_image_job_id) "
              "VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, $10, $11)",
              item.id, item.name, item.description, item.folder_id, item.creator_id,
              item.meta_json.empty() ? std::string("{}") : item.meta_json, item.created_ms,
              item.updated_ms, item.large_image_file_id, item.source_name, item.large_image_job_id)
      .status();
}

Status PostgresStore::DeleteItems(PgConnection& c, const std::string& items_sql,
                                  const std::string& id, std::vector<std::string>* paths) {
  const std::string in = " IN (" + items_sql + ")";
  TS_ASSIGN_OR_RETURN(
      auto files,
      Query(c, "SELECT path FROM files WHERE NOT imported AND item_id" + in, ReadString, id));
  TS_ASSIGN_OR_RETURN(auto thumbs,
                      Query(c, "SELECT path FROM thumbnails WHERE item_id" + in, ReadString, id));
  const std::string uploads_where = " FROM uploads WHERE parent_is_item AND parent_id" + in;
  TS_ASSIGN_OR_RETURN(
      auto temps,
      Query(c, "SELECT temp_path" + uploads_where + " AND temp_path <> ''", ReadString, id));
  TS_RETURN_IF_ERROR(Exec(c, "DELETE" + uploads_where, id).status());
  // Files and thumbnails cascade.
  TS_RETURN_IF_ERROR(Exec(c, "DELETE FROM items WHERE id" + in, id).status());
  Append(files, paths);
  Append(thumbs, paths);
  Append(temps, paths);
  return Status::Ok();
}

StatusOr<ItemRecord> PostgresStore::CreateItem(ItemRecord item) {
  if (item.name.empty()) return InvalidArgumentError("Item name must not be empty.");
  if (item.id.empty()) item.id = NewObjectId();
  TS_RETURN_IF_ERROR(CheckId(item.id));
  TS_RETURN_IF_ERROR(CheckId(item.folder_id));
  if (item.created_ms == 0) item.created_ms = NowMs();
  if (item.updated_ms == 0) item.updated_ms = item.created_ms;
  ItemRecord stored;
  TS_RETURN_IF_ERROR(Write([&](PgConnection& c) -> Status {
    TS_RETURN_IF_ERROR(InsertItem(c, item));
    TS_ASSIGN_OR_RETURN(stored, GetItemOn(c, item.id));
    return Status::Ok();
  }));
  return stored;
}

StatusOr<ItemRecord> PostgresStore::GetItem(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  ItemRecord out;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(out, GetItemOn(c, id));
    return Status::Ok();
  }));
  return out;
}

StatusOr<std::vector<ItemRecord>> PostgresStore::ListItems(const std::string& folder_id,
                                                           const ListQuery& query,
                                                           const AccessFilter& filter) {
  if (!folder_id.empty()) TS_RETURN_IF_ERROR(CheckId(folder_id));
  TS_ASSIGN_OR_RETURN(std::string tail,
                      ListTailSql({"i.name"}, "i.name", "i.id", query, kItemSort));
  // Two statements rather than "($1 = '' OR i.folder_id = $1)": a prepared statement's generic
  // plan could not use the (folder_id, name, id) index for the per-folder page otherwise.
  const std::string sql = std::string(kItemColumns) +
                          "JOIN folders f ON f.id = i.folder_id WHERE " +
                          (folder_id.empty() ? "TRUE" : "i.folder_id = $1") + " AND " +
                          VisibleSql("f", "folder") + tail;
  std::vector<ItemRecord> out;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(out,
                        QueryList(c, sql, PgParams::Of(folder_id, ""), filter, query, ReadItem));
    return Status::Ok();
  }));
  return out;
}

StatusOr<int64_t> PostgresStore::CountItems() {
  int64_t n = 0;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(n, QueryInt(c, "SELECT count(*) FROM items"));
    return Status::Ok();
  }));
  return n;
}

Status PostgresStore::UpdateItem(const ItemRecord& item) {
  TS_RETURN_IF_ERROR(CheckId(item.id));
  TS_RETURN_IF_ERROR(CheckId(item.folder_id));
  if (item.name.empty()) return InvalidArgumentError("Item name must not be empty.");
  return Write([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(ItemRecord old, GetItemOn(c, item.id));
    if (old.folder_id != item.folder_id) {
      TS_RETURN_IF_ERROR(CheckParent(c, ParentType::kFolder, item.folder_id));
    }
    if (!item.large_image_file_id.empty()) {
      TS_ASSIGN_OR_RETURN(int64_t n,
                          QueryInt(c, "SELECT count(*) FROM files WHERE id = $1 AND item_id = $2",
                                   item.large_image_file_id, item.id));
      if (n == 0) {
        return InvalidArgumentError("The large image file " + item.large_image_file_id +
                                    " is not a file of item " + item.id + ".");
      }
    }
    return Exec(c,
                "UPDATE items SET name = $2, description = $3, folder_id = $4, meta_json = $5, "
                "updated_ms = $6, large_image_file_id = $7, source_name = $8, "
                "large_image_job_id = $9 WHERE id = $1",
                item.id, item.name, item.description, item.folder_id,
                item.meta_json.empty() ? std::string("{}") : item.meta_json, NowMs(),
                item.large_image_file_id, item.source_name, item.large_image_job_id)
        .status();
  });
}

Status PostgresStore::DeleteItem(const std::string& id, std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::vector<std::string> paths;
  TS_RETURN_IF_ERROR(Write([&](PgConnection& c) -> Status {
    paths.clear();
    TS_ASSIGN_OR_RETURN(int64_t exists,
                        QueryInt(c, "SELECT count(*) FROM items WHERE id = $1", id));
    if (exists == 0) return NotFoundError("Invalid item id (" + id + ").");
    return DeleteItems(c, "SELECT $1::text AS id", id, &paths);
  }));
  Append(paths, removed_paths);
  return Status::Ok();
}

// --- files

StatusOr<FileRecord> PostgresStore::InsertFile(PgConnection& c, FileRecord file) {
  TS_RETURN_IF_ERROR(CheckId(file.item_id));
  if (file.id.empty()) file.id = NewObjectId();
  TS_RETURN_IF_ERROR(CheckId(file.id));
  if (file.size < 0) return InvalidArgumentError("A file size must not be negative.");
  if (file.created_ms == 0) file.created_ms = NowMs();
  TS_ASSIGN_OR_RETURN(int64_t exists,
                      QueryInt(c, "SELECT count(*) FROM items WHERE id = $1", file.item_id));
  if (exists == 0) return NotFoundError("Invalid item id (" + file.item_id + ").");
  Status s = Exec(c,
                  "INSERT INTO files (id, item_id, name, mime_type, size, sha512, path, imported, "
                  "creator_id, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                  file.id, file.item_id, file.name, file.mime_type, file.size, file.sha512,
                  file.path, file.imported, file.creator_id, file.created_ms)
                 .status();
  if (s.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("A file with id " + file.id + " exists.");
  }
  TS_RETURN_IF_ERROR(s);
  TS_RETURN_IF_ERROR(
      Exec(c, "UPDATE items SET size = size + $2 WHERE id = $1", file.item_id, file.size).status());
  return file;
}

StatusOr<FileRecord> PostgresStore::CreateFile(FileRecord file) {
  FileRecord stored;
  TS_RETURN_IF_ERROR(Write([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(stored, InsertFile(c, file));
    return Status::Ok();
  }));
  return stored;
}

StatusOr<FileRecord> PostgresStore::GetFile(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::vector<FileRecord> rows;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(rows, Query(c, std::string(kFileColumns) + "WHERE id = $1", ReadFile, id));
    return Status::Ok();
  }));
  if (rows.empty()) return NotFoundError("Invalid file id (" + id + ").");
  return rows.front();
}

StatusOr<std::optional<FileRecord>> PostgresStore::FindFileByPath(const std::string& path) {
  std::vector<FileRecord> rows;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(
        rows,
        Query(c, std::string(kFileColumns) + "WHERE path = $1 ORDER BY created_ms, id LIMIT 1",
              ReadFile, path));
    return Status::Ok();
  }));
  if (rows.empty()) return std::optional<FileRecord>();
  return std::optional<FileRecord>(rows.front());
}

StatusOr<std::vector<FileRecord>> PostgresStore::ListFiles(const std::string& item_id) {
  TS_RETURN_IF_ERROR(CheckId(item_id));
  std::vector<FileRecord> rows;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(
        rows, Query(c, std::string(kFileColumns) + "WHERE item_id = $1 ORDER BY created_ms, id",
                    ReadFile, item_id));
    return Status::Ok();
  }));
  return rows;
}

Status PostgresStore::DeleteFile(const std::string& id, std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(CheckId(id));
  FileRecord file;
  TS_RETURN_IF_ERROR(Write([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(auto rows,
                        Query(c, std::string(kFileColumns) + "WHERE id = $1", ReadFile, id));
    if (rows.empty()) return NotFoundError("Invalid file id (" + id + ").");
    file = rows.front();
    TS_RETURN_IF_ERROR(Exec(c, "DELETE FROM files WHERE id = $1", id).status());
    TS_RETURN_IF_ERROR(Exec(c, "UPDATE items SET size = GREATEST(0, size - $2) WHERE id = $1",
                            file.item_id, file.size)
                           .status());
    return Exec(c,
                "UPDATE items SET large_image_file_id = '', source_name = '', "
                "large_image_job_id = '' WHERE id = $1 AND large_image_file_id = $2",
                file.item_id, id)
        .status();
  }));
  if (!file.imported && removed_paths != nullptr) removed_paths->push_back(file.path);
  return Status::Ok();
}

// --- uploads

StatusOr<UploadRecord> PostgresStore::CreateUpload(UploadRecord upload, UploadQuotaCheck* quota) {
  if (upload.id.empty()) upload.id = NewObjectId();
  TS_RETURN_IF_ERROR(CheckId(upload.id));
  TS_RETURN_IF_ERROR(CheckId(upload.parent_id));
  if (upload.size < 0) return InvalidArgumentError("An upload size must not be negative.");
  if (upload.created_ms == 0) upload.created_ms = NowMs();
  if (upload.updated_ms == 0) upload.updated_ms = upload.created_ms;
  TS_RETURN_IF_ERROR(Write([&](PgConnection& c) -> Status {
    if (upload.parent_is_item) {
      TS_ASSIGN_OR_RETURN(
          int64_t n, QueryInt(c, "SELECT count(*) FROM items WHERE id = $1", upload.parent_id));
      if (n == 0) return NotFoundError("Invalid item id (" + upload.parent_id + ").");
    } else {
      TS_RETURN_IF_ERROR(CheckParent(c, ParentType::kFolder, upload.parent_id));
    }
    if (quota != nullptr) {
      // SERIALIZABLE: two of these that each read the sum before the other's insert form a
      // read/write cycle, and PostgreSQL aborts one; Write runs it again and it sees the other.
      quota->exceeded = false;
      TS_RETURN_IF_ERROR(CheckId(upload.user_id));
      TS_ASSIGN_OR_RETURN(auto policy, GetUserQuotaOn(c, upload.user_id));
      const std::optional<int64_t> limit =
          EffectiveFileSizeQuota(policy.first, policy.second, quota->default_bytes);
      if (limit) {
        TS_ASSIGN_OR_RETURN(int64_t used, QueryInt(c, kStorageBytesSql, upload.user_id));
        TS_RETURN_IF_ERROR(CheckUploadFits(*limit, used, upload.size, quota));
      }
    }
    return Exec(c,
                "INSERT INTO uploads (id, user_id, parent_is_item, parent_id, name, mime_type, "
                "size, received, temp_path, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, "
                "$6, $7, $8, $9, $10, $11)",
                upload.id, upload.user_id, upload.parent_is_item, upload.parent_id, upload.name,
                upload.mime_type, upload.size, upload.received, upload.temp_path, upload.created_ms,
                upload.updated_ms)
        .status();
  }));
  return upload;
}

StatusOr<UploadRecord> PostgresStore::GetUpload(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::vector<UploadRecord> rows;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(rows,
                        Query(c, std::string(kUploadColumns) + "WHERE id = $1", ReadUpload, id));
    return Status::Ok();
  }));
  if (rows.empty()) return NotFoundError("Invalid upload id (" + id + ").");
  return rows.front();
}

Status PostgresStore::SetUploadReceived(const std::string& id, int64_t received) {
  TS_RETURN_IF_ERROR(CheckId(id));
  int64_t n = 0;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(
        n, Exec(c, "UPDATE uploads SET received = $2, updated_ms = $3 WHERE id = $1", id, received,
                NowMs()));
    return Status::Ok();
  }));
  if (n == 0) return NotFoundError("Invalid upload id (" + id + ").");
  return Status::Ok();
}

Status PostgresStore::DeleteUpload(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  int64_t n = 0;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(n, Exec(c, "DELETE FROM uploads WHERE id = $1", id));
    return Status::Ok();
  }));
  if (n == 0) return NotFoundError("Invalid upload id (" + id + ").");
  return Status::Ok();
}

StatusOr<std::vector<UploadRecord>> PostgresStore::ListUploads() {
  std::vector<UploadRecord> rows;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(
        rows, Query(c, std::string(kUploadColumns) + "ORDER BY created_ms, id", ReadUpload));
    return Status::Ok();
  }));
  return rows;
}

StatusOr<int64_t> PostgresStore::UserStorageBytes(const std::string& user_id) {
  TS_RETURN_IF_ERROR(CheckId(user_id));
  int64_t n = 0;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(n, QueryInt(c, kStorageBytesSql, user_id));
    return Status::Ok();
  }));
  return n;
}

StatusOr<std::pair<FileRecord, ItemRecord>> PostgresStore::CompleteUpload(
    const std::string& upload_id, FileRecord file) {
  TS_RETURN_IF_ERROR(CheckId(upload_id));
  std::pair<FileRecord, ItemRecord> out;
  TS_RETURN_IF_ERROR(Write([&](PgConnection& c) -> Status {
    // FOR UPDATE: a second completion of the same upload waits for the first, then finds the
    // upload gone (NotFound) instead of adding the file twice.
    TS_ASSIGN_OR_RETURN(
        auto uploads,
        Query(c, std::string(kUploadColumns) + "WHERE id = $1 FOR UPDATE", ReadUpload, upload_id));
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
      TS_RETURN_IF_ERROR(InsertItem(c, item));
      item_id = item.id;
    }
    FileRecord f = file;
    f.item_id = item_id;
    if (f.name.empty()) f.name = upload.name;
    if (f.mime_type.empty()) f.mime_type = upload.mime_type;
    if (f.creator_id.empty()) f.creator_id = upload.user_id;
    TS_ASSIGN_OR_RETURN(out.first, InsertFile(c, std::move(f)));
    TS_RETURN_IF_ERROR(Exec(c, "DELETE FROM uploads WHERE id = $1", upload_id).status());
    TS_ASSIGN_OR_RETURN(out.second, GetItemOn(c, item_id));
    return Status::Ok();
  }));
  return out;
}

}  // namespace tessera
