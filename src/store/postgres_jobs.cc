// PostgresStore: jobs and persisted thumbnails.
#include "store/postgres_store.h"

namespace tessera {

using postgres_store::CheckId;
using postgres_store::Exec;
using postgres_store::ListTailSql;
using postgres_store::NowMs;
using postgres_store::Query;
using postgres_store::QueryInt;
using postgres_store::QueryList;
using postgres_store::ReadString;
using postgres_store::SortField;

namespace {

constexpr char kJobColumns[] =
    "SELECT id, type, title, user_id, item_id, status, progress_current, progress_total, "
    "progress_message, log, kwargs_json, created_ms, updated_ms, node FROM jobs ";

JobRecord ReadJob(const PgResult& r, int row) {
  JobRecord j;
  j.id = r.Text(row, 0);
  j.type = r.Text(row, 1);
  j.title = r.Text(row, 2);
  j.user_id = r.Text(row, 3);
  j.item_id = r.Text(row, 4);
  j.status = static_cast<JobStatus>(r.Int(row, 5));
  j.progress_current = r.Double(row, 6);
  j.progress_total = r.Double(row, 7);
  j.progress_message = r.Text(row, 8);
  j.log = r.Text(row, 9);
  j.kwargs_json = r.Text(row, 10);
  j.created_ms = r.Int(row, 11);
  j.updated_ms = r.Int(row, 12);
  j.node = r.Text(row, 13);
  return j;
}

constexpr char kThumbnailColumns[] =
    "SELECT item_id, key, content_type, path, size, created_ms FROM thumbnails ";

ThumbnailRecord ReadThumbnail(const PgResult& r, int row) {
  return ThumbnailRecord{r.Text(row, 0), r.Text(row, 1), r.Text(row, 2),
                         r.Text(row, 3), r.Int(row, 4),  r.Int(row, 5)};
}

const std::vector<SortField> kJobSort = {{"created", "created_ms"},
                                         {"updated", "updated_ms"},
                                         {"status", "status"},
                                         {"title", "title"},
                                         {"type", "type"}};

}  // namespace

StatusOr<JobRecord> PostgresStore::CreateJob(JobRecord job) {
  if (job.id.empty()) job.id = NewObjectId();
  TS_RETURN_IF_ERROR(CheckId(job.id));
  if (job.created_ms == 0) job.created_ms = NowMs();
  if (job.updated_ms == 0) job.updated_ms = job.created_ms;
  if (job.kwargs_json.empty()) job.kwargs_json = "{}";
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    return Exec(c,
                "INSERT INTO jobs (id, type, title, user_id, item_id, status, progress_current, "
                "progress_total, progress_message, log, kwargs_json, created_ms, updated_ms, "
                "node) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                job.id, job.type, job.title, job.user_id, job.item_id,
                static_cast<int64_t>(job.status), job.progress_current, job.progress_total,
                job.progress_message, job.log, job.kwargs_json, job.created_ms, job.updated_ms,
                job.node)
        .status();
  }));
  return job;
}

StatusOr<JobRecord> PostgresStore::GetJob(const std::string& id) {
  TS_RETURN_IF_ERROR(CheckId(id));
  std::vector<JobRecord> rows;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(rows, Query(c, std::string(kJobColumns) + "WHERE id = $1", ReadJob, id));
    return Status::Ok();
  }));
  if (rows.empty()) return NotFoundError("Invalid job id (" + id + ").");
  return rows.front();
}

Status PostgresStore::UpdateJob(const JobRecord& job) {
  TS_RETURN_IF_ERROR(CheckId(job.id));
  int64_t n = 0;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(
        n, Exec(c,
                "UPDATE jobs SET type = $2, title = $3, user_id = $4, item_id = $5, status = $6, "
                "progress_current = $7, progress_total = $8, progress_message = $9, log = $10, "
                "kwargs_json = $11, updated_ms = $12, node = $13 WHERE id = $1",
                job.id, job.type, job.title, job.user_id, job.item_id,
                static_cast<int64_t>(job.status), job.progress_current, job.progress_total,
                job.progress_message, job.log,
                job.kwargs_json.empty() ? std::string("{}") : job.kwargs_json,
                std::max(NowMs(), job.updated_ms), job.node));
    return Status::Ok();
  }));
  if (n == 0) return NotFoundError("Invalid job id (" + job.id + ").");
  return Status::Ok();
}

StatusOr<std::vector<JobRecord>> PostgresStore::ListJobs(const std::string& user_id,
                                                         const ListQuery& query) {
  ListQuery q = query;
  if (q.sort == "name") {  // the ListQuery default: newest first
    q.sort = "created";
    q.descending = !q.descending;
  }
  TS_ASSIGN_OR_RETURN(std::string tail, ListTailSql({"title"}, "title", "id", q, kJobSort));
  const std::string sql = std::string(kJobColumns) + "WHERE ($1 = '' OR user_id = $1)" + tail;
  std::vector<JobRecord> out;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(
        out, QueryList(c, sql, PgParams::Of(user_id, ""), AccessFilter::All(), q, ReadJob));
    return Status::Ok();
  }));
  return out;
}

// --- thumbnails

Status PostgresStore::PutThumbnail(const ThumbnailRecord& t, int max_per_item,
                                   std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(CheckId(t.item_id));
  if (t.key.empty()) return InvalidArgumentError("A thumbnail key must not be empty.");
  const int64_t created = t.created_ms != 0 ? t.created_ms : NowMs();
  std::vector<std::string> paths;
  TS_RETURN_IF_ERROR(Write([&](PgConnection& c) -> Status {
    paths.clear();
    TS_ASSIGN_OR_RETURN(int64_t exists,
                        QueryInt(c, "SELECT count(*) FROM items WHERE id = $1", t.item_id));
    if (exists == 0) return NotFoundError("Invalid item id (" + t.item_id + ").");
    TS_ASSIGN_OR_RETURN(
        auto replaced,
        Query(c, "SELECT path FROM thumbnails WHERE item_id = $1 AND key = $2 AND path <> $3",
              ReadString, t.item_id, t.key, t.path));
    paths.insert(paths.end(), replaced.begin(), replaced.end());
    // Delete and insert (a new seq), as SQLite's INSERT OR REPLACE gives the row a new rowid.
    TS_RETURN_IF_ERROR(
        Exec(c, "DELETE FROM thumbnails WHERE item_id = $1 AND key = $2", t.item_id, t.key)
            .status());
    TS_RETURN_IF_ERROR(Exec(c,
                            "INSERT INTO thumbnails (item_id, key, content_type, path, size, "
                            "created_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                            t.item_id, t.key, t.content_type, t.path, t.size, created)
                           .status());
    if (max_per_item > 0) {
      // The newest max_per_item - 1 others stay beside the one just put.
      TS_ASSIGN_OR_RETURN(
          auto old,
          Query(c,
                "DELETE FROM thumbnails WHERE seq IN (SELECT seq FROM thumbnails WHERE item_id = "
                "$1 AND key <> $2 ORDER BY created_ms DESC, seq DESC OFFSET $3) RETURNING path",
                ReadString, t.item_id, t.key, static_cast<int64_t>(max_per_item - 1)));
      paths.insert(paths.end(), old.begin(), old.end());
    }
    return Status::Ok();
  }));
  if (removed_paths != nullptr) {
    removed_paths->insert(removed_paths->end(), paths.begin(), paths.end());
  }
  return Status::Ok();
}

StatusOr<std::optional<ThumbnailRecord>> PostgresStore::FindThumbnail(const std::string& item_id,
                                                                      const std::string& key) {
  TS_RETURN_IF_ERROR(CheckId(item_id));
  std::vector<ThumbnailRecord> rows;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(rows,
                        Query(c, std::string(kThumbnailColumns) + "WHERE item_id = $1 AND key = $2",
                              ReadThumbnail, item_id, key));
    return Status::Ok();
  }));
  if (rows.empty()) return std::optional<ThumbnailRecord>();
  return std::optional<ThumbnailRecord>(rows.front());
}

Status PostgresStore::DeleteThumbnails(const std::string& item_id,
                                       std::vector<std::string>* removed_paths) {
  TS_RETURN_IF_ERROR(CheckId(item_id));
  std::vector<std::string> paths;
  TS_RETURN_IF_ERROR(Read([&](PgConnection& c) -> Status {
    TS_ASSIGN_OR_RETURN(paths, Query(c, "DELETE FROM thumbnails WHERE item_id = $1 RETURNING path",
                                     ReadString, item_id));
    return Status::Ok();
  }));
  if (removed_paths != nullptr) {
    removed_paths->insert(removed_paths->end(), paths.begin(), paths.end());
  }
  return Status::Ok();
}

}  // namespace tessera
