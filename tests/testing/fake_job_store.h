// FakeJobStore: a MetadataStore that keeps only users and jobs, in memory, with fault
// injection — for the JobRunner's unit tests (api/jobs_test.cc), which run against the SQLite
// store as well. Every other method answers Internal("not in the fake").
// Thread-safety: safe from any thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/thread_annotations.h"
#include "store/metadata_store.h"

namespace tessera {

class FakeJobStore final : public MetadataStore {
 public:
  // Fault injection: while set, UpdateJob fails with Unavailable.
  std::atomic<bool> fail_updates{false};
  std::atomic<int> updates{0};  // UpdateJob calls that succeeded

  StatusOr<UserRecord> CreateUser(UserRecord user) override {
    std::lock_guard<std::mutex> lock(mu_);
    user.id = NextId();
    return user;
  }
  StatusOr<JobRecord> CreateJob(JobRecord job) override {
    std::lock_guard<std::mutex> lock(mu_);
    job.id = NextId();
    jobs_[job.id] = job;
    return job;
  }
  StatusOr<JobRecord> GetJob(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return NotFoundError("Invalid job id (" + id + ").");
    return it->second;
  }
  Status UpdateJob(const JobRecord& job) override {
    if (fail_updates) return UnavailableError("injected: the database is down");
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(job.id);
    if (it == jobs_.end()) return NotFoundError("Invalid job id (" + job.id + ").");
    it->second = job;
    ++updates;
    return Status::Ok();
  }
  StatusOr<std::vector<JobRecord>> ListJobs(const std::string& user_id,
                                            const ListQuery& query) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<JobRecord> out;
    for (const auto& [id, job] : jobs_) {
      if (user_id.empty() || job.user_id == user_id) out.push_back(job);
    }
    std::sort(out.begin(), out.end(), [](const JobRecord& a, const JobRecord& b) {
      return a.created_ms != b.created_ms ? a.created_ms > b.created_ms : a.id > b.id;
    });
    const size_t offset = std::min(out.size(), static_cast<size_t>(std::max(0, query.offset)));
    out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(offset));
    if (query.limit > 0 && out.size() > static_cast<size_t>(query.limit)) out.resize(query.limit);
    return out;
  }

  StatusOr<UserRecord> GetUser(const std::string&) override { return NotFaked(); }
  StatusOr<UserRecord> FindUser(const std::string&) override { return NotFaked(); }
  StatusOr<std::vector<UserRecord>> ListUsers(const ListQuery&) override { return NotFaked(); }
  StatusOr<int64_t> CountUsers() override { return NotFaked(); }
  Status UpdateUser(const UserRecord&) override { return NotFaked(); }
  Status DeleteUser(const std::string&, std::vector<std::string>*) override { return NotFaked(); }
  StatusOr<QuotaPolicy> GetUserQuota(const std::string&) override { return NotFaked(); }
  StatusOr<QuotaPolicy> UpdateUserQuota(const std::string&, const QuotaPolicyChange&) override {
    return NotFaked();
  }
  Status CreateToken(const TokenRecord&) override { return NotFaked(); }
  StatusOr<TokenRecord> GetToken(const std::string&, int64_t) override { return NotFaked(); }
  Status DeleteToken(const std::string&) override { return NotFaked(); }
  StatusOr<int64_t> DeleteExpiredTokens(int64_t) override { return NotFaked(); }
  StatusOr<CollectionRecord> CreateCollection(CollectionRecord) override { return NotFaked(); }
  StatusOr<CollectionRecord> GetCollection(const std::string&) override { return NotFaked(); }
  StatusOr<std::vector<CollectionRecord>> ListCollections(const ListQuery&,
                                                          const AccessFilter&) override {
    return NotFaked();
  }
  Status UpdateCollection(const CollectionRecord&) override { return NotFaked(); }
  Status DeleteCollection(const std::string&, std::vector<std::string>*) override {
    return NotFaked();
  }
  StatusOr<FolderRecord> CreateFolder(FolderRecord) override { return NotFaked(); }
  StatusOr<FolderRecord> GetFolder(const std::string&) override { return NotFaked(); }
  StatusOr<std::vector<FolderRecord>> ListFolders(ParentType, const std::string&, const ListQuery&,
                                                  const AccessFilter&) override {
    return NotFaked();
  }
  Status UpdateFolder(const FolderRecord&) override { return NotFaked(); }
  Status SetFolderAccess(const std::string&, const AccessList&, bool) override {
    return NotFaked();
  }
  Status DeleteFolder(const std::string&, std::vector<std::string>*) override { return NotFaked(); }
  StatusOr<ItemRecord> CreateItem(ItemRecord) override { return NotFaked(); }
  StatusOr<ItemRecord> GetItem(const std::string&) override { return NotFaked(); }
  StatusOr<std::vector<ItemRecord>> ListItems(const std::string&, const ListQuery&,
                                              const AccessFilter&) override {
    return NotFaked();
  }
  StatusOr<int64_t> CountItems() override { return NotFaked(); }
  Status UpdateItem(const ItemRecord&) override { return NotFaked(); }
  Status DeleteItem(const std::string&, std::vector<std::string>*) override { return NotFaked(); }
  StatusOr<FileRecord> CreateFile(FileRecord) override { return NotFaked(); }
  StatusOr<FileRecord> GetFile(const std::string&) override { return NotFaked(); }
  StatusOr<std::optional<FileRecord>> FindFileByPath(const std::string&) override {
    return NotFaked();
  }
  StatusOr<std::vector<FileRecord>> ListFiles(const std::string&) override { return NotFaked(); }
  Status DeleteFile(const std::string&, std::vector<std::string>*) override { return NotFaked(); }
  StatusOr<UploadRecord> CreateUpload(UploadRecord, UploadQuotaCheck*) override {
    return NotFaked();
  }
  StatusOr<UploadRecord> GetUpload(const std::string&) override { return NotFaked(); }
  Status SetUploadReceived(const std::string&, int64_t) override { return NotFaked(); }
  Status DeleteUpload(const std::string&) override { return NotFaked(); }
  StatusOr<std::vector<UploadRecord>> ListUploads() override { return NotFaked(); }
  StatusOr<int64_t> UserStorageBytes(const std::string&) override { return NotFaked(); }
  StatusOr<std::pair<FileRecord, ItemRecord>> CompleteUpload(const std::string&,
                                                             FileRecord) override {
    return NotFaked();
  }
  Status PutThumbnail(const ThumbnailRecord&, int, std::vector<std::string>*) override {
    return NotFaked();
  }
  StatusOr<std::optional<ThumbnailRecord>> FindThumbnail(const std::string&,
                                                         const std::string&) override {
    return NotFaked();
  }
  Status DeleteThumbnails(const std::string&, std::vector<std::string>*) override {
    return NotFaked();
  }

 private:
  static Status NotFaked() { return InternalError("not in the fake"); }
  std::string NextId() REQUIRES(mu_) {
    char buf[25];
    std::snprintf(buf, sizeof(buf), "%024x", ++next_id_);
    return buf;
  }

  std::mutex mu_;
  unsigned next_id_ GUARDED_BY(mu_) = 0;
  std::map<std::string, JobRecord> jobs_ GUARDED_BY(mu_);
};

}  // namespace tessera
