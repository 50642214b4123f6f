// SqliteStore: jobs and persisted thumbnails.
#include "store/sqlite_store.h"

namespace tessera {

using sqlite_store::BindListParams;
using sqlite_store::CheckId;
using sqlite_store::ListTailSql;
using sqlite_store::NowMs;
using sqlite_store::SortField;

namespace {

constexpr char kJobColumns[] =
    "SELECT id, type, title, user_id, item_id, status, progress_current, progress_total, "
    "progress_message, log, kwargs_json, created_ms, updated_ms, node FROM jobs ";

JobRecord ReadJob(const Statement& st) {
  JobRecord j;
  j.id = st.Text(0);
  j.type = st.Text(1);
  j.title = st.Text(2);
  j.user_id = st.Text(3);
  j.item_id = st.Text(4);
  j.status = static_cast<JobStatus>(st.Int(5));
  j.progress_current = st.Double(6);
  j.progress_total = st.Double(7);
  j.progress_message = st.Text(8);
  j.log = st.Text(9);
  j.kwargs_json = st.Text(10);
  j.created_ms = st.Int(11);
  j.updated_ms = st.Int(12);
  j.node = st.Text(13);
  return j;
}

constexpr char kThumbnailColumns[] =
    "SELECT item_id, key, content_type, path, size, created_ms FROM thumbnails ";

ThumbnailRecord ReadThumbnail(const Statement& st) {
  return ThumbnailRecord{st.Text(0), st.Text(1), st.Text(2), st.Text(3), st.Int(4), st.Int(5)};
}

std::string ReadString(const Statement& st) { return st.Text(0); }

const std::vector<SortField> kJobSort = {{"created", "created_ms"},
                                         {"updated", "updated_ms"},
                                         {"status", "status"},
                                         {"title", "title"},
                                         {"type", "type"}};

}  // namespace

StatusOr<JobRecord> SqliteStore::CreateJob(JobRecord job) {
  if (job.id.empty()) job.id = NewObjectId();
  TS_RETURN_IF_ERROR(CheckId(job.id));
  if (job.created_ms == 0) job.created_ms = NowMs();
  if (job.updated_ms == 0) job.updated_ms = job.created_ms;
  if (job.kwargs_json.empty()) job.kwargs_json = "{}";
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_RETURN_IF_ERROR(
      Run("INSERT INTO jobs (id, type, title, user_id, item_id, status, "
          "progress_current, progress_total, progress_message, log, kwargs_json, "
          "created_ms, updated_ms, node) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
          "?10, ?11, ?12, ?13, ?14)",
          job.id, job.type, job.title, job.user_id, job.item_id, static_cast<int>(job.status),
          job.progress_current, job.progress_total, job.progress_message, job.log, job.kwargs_json,
          job.created_ms, job.updated_ms, job.node)
          .status());
  TS_RETURN_IF_ERROR(txn.Commit());
  return job;
}

StatusOr<JobRecord> SqliteStore::GetJob(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(auto rows, Query(std::string(kJobColumns) + "WHERE id = ?1", ReadJob, id));
  if (rows.empty()) return NotFoundError("Invalid job id (" + id + ").");
  return rows.front();
}

Status SqliteStore::UpdateJob(const JobRecord& job) {
  TS_RETURN_IF_ERROR(CheckId(job.id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(
      int64_t n,
      Run("UPDATE jobs SET type = ?2, title = ?3, user_id = ?4, item_id = ?5, status = ?6, "
          "progress_current = ?7, progress_total = ?8, progress_message = ?9, log = ?10, "
          "kwargs_json = ?11, updated_ms = ?12, node = ?13 WHERE id = ?1",
          job.id, job.type, job.title, job.user_id, job.item_id, static_cast<int>(job.status),
          job.progress_current, job.progress_total, job.progress_message, job.log,
          job.kwargs_json.empty() ? std::string("{}") : job.kwargs_json,
          std::max(NowMs(), job.updated_ms), job.node));
  if (n == 0) return NotFoundError("Invalid job id (" + job.id + ").");
  return txn.Commit();
}

StatusOr<std::vector<JobRecord>> SqliteStore::ListJobs(const std::string& user_id,
                                                       const ListQuery& query) {
  ListQuery q = query;
  if (q.sort == "name") {  // the ListQuery default: newest first
    q.sort = "created";
    q.descending = !q.descending;
  }
  TS_ASSIGN_OR_RETURN(std::string tail, ListTailSql({"title"}, "title", "id", q, kJobSort));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Statement st, db_->Prepare(std::string(kJobColumns) +
                                                 "WHERE (?1 = '' OR user_id = ?1)" + tail));
  st.Bind(1, user_id);
  BindListParams(&st, AccessFilter::All(), q);
  std::vector<JobRecord> out;
  while (true) {
    TS_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.push_back(ReadJob(st));
  }
}

// --- thumbnails

Status SqliteStore::PutThumbnail(const ThumbnailRecord& t, int max_per_item,
                                 std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(CheckId(t.item_id));
  if (t.key.empty()) return InvalidArgumentError("A thumbnail key must not be empty.");
  const int64_t created = t.created_ms != 0 ? t.created_ms : NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(int64_t exists,
                      QueryInt("SELECT count(*) FROM items WHERE id = ?1", t.item_id));
  if (exists == 0) return NotFoundError("Invalid item id (" + t.item_id + ").");
  std::vector<std::string> paths;
  TS_ASSIGN_OR_RETURN(auto replaced,
                      Query("SELECT path FROM thumbnails WHERE item_id = ?1 AND key = ?2 AND "
                            "path <> ?3",
                            ReadString, t.item_id, t.key, t.path));
  paths.insert(paths.end(), replaced.begin(), replaced.end());
  TS_RETURN_IF_ERROR(Run("INSERT OR REPLACE INTO thumbnails (item_id, key, content_type, path, "
                         "size, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                         t.item_id, t.key, t.content_type, t.path, t.size, created)
                         .status());
  if (max_per_item > 0) {
    // The newest max_per_item - 1 others stay beside the one just put.
    const std::string dropped =
        "SELECT rowid FROM thumbnails WHERE item_id = ?1 AND key <> ?2 ORDER BY created_ms DESC, "
        "rowid DESC LIMIT -1 OFFSET ?3";
    TS_ASSIGN_OR_RETURN(
        auto old, Query("SELECT path FROM thumbnails WHERE rowid IN (" + dropped + ")", ReadString,
                        t.item_id, t.key, max_per_item - 1));
    paths.insert(paths.end(), old.begin(), old.end());
    TS_RETURN_IF_ERROR(Run("DELETE FROM thumbnails WHERE rowid IN (" + dropped + ")", t.item_id,
                           t.key, max_per_item - 1)
                           .status());
  }
  TS_RETURN_IF_ERROR(txn.Commit());
  if (removed_paths != nullptr) {
    removed_paths->insert(removed_paths->end(), paths.begin(), paths.end());
  }
  return Status::Ok();
}

StatusOr<std::optional<ThumbnailRecord>> SqliteStore::FindThumbnail(const std::string& item_id,
                                                                    const std::string& key) {
  TS_RETURN_IF_ERROR(CheckId(item_id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(auto rows,
                      Query(std::string(kThumbnailColumns) + "WHERE item_id = ?1 AND key = ?2",
                            ReadThumbnail, item_id, key));
  if (rows.empty()) return std::optional<ThumbnailRecord>();
  return std::optional<ThumbnailRecord>(rows.front());
}

Status SqliteStore::DeleteThumbnails(const std::string& item_id,
                                     std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(CheckId(item_id));
  std::lock_guard<std::mutex> lock(mu_);
  TS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_.get()));
  TS_ASSIGN_OR_RETURN(auto paths,
                      Query("SELECT path FROM thumbnails WHERE item_id = ?1", ReadString, item_id));
  TS_RETURN_IF_ERROR(Run("DELETE FROM thumbnails WHERE item_id = ?1", item_id).status());
  TS_RETURN_IF_ERROR(txn.Commit());
  if (removed_paths != nullptr) {
    removed_paths->insert(removed_paths->end(), paths.begin(), paths.end());
  }
  return Status::Ok();
}

}  // namespace tessera
