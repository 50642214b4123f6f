// What every MetadataStore shares: ObjectIds, parent type names and the store_util helpers.
#include "store/metadata_store.h"

#include <atomic>
#include <chrono>
#include <random>

#include "core/strings.h"

namespace tessera {

namespace store_util {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status CheckId(const std::string& id) {
  if (!IsObjectId(id)) return InvalidArgumentError("Invalid ObjectId: " + id);
  return Status::Ok();
}

Status CheckAccessList(const AccessList& access) {
  for (const AccessGrant& g : access.users) {
    if (!IsObjectId(g.user_id)) return InvalidArgumentError("Invalid ObjectId: " + g.user_id);
    int level = static_cast<int>(g.level);
    if (level < -1 || level > 2) return InvalidArgumentError("Invalid access level.");
  }
  return Status::Ok();
}

AccessList ParseGrants(bool is_public, const std::string& grants) {
  AccessList list;
  list.is_public = is_public;
  for (std::string_view entry : Split(grants, ',')) {
    size_t colon = entry.rfind(':');
    if (colon == std::string_view::npos) continue;
    auto level = ParseInt(entry.substr(colon + 1));
    if (!level) continue;
    list.users.push_back(
        AccessGrant{std::string(entry.substr(0, colon)), static_cast<AccessLevel>(*level)});
  }
  return list;
}

Status CheckQuotaChange(const QuotaPolicyChange& change) {
  if (change.set_file_size_quota && change.file_size_quota && *change.file_size_quota < 0) {
    return InvalidArgumentError("A file size quota must not be negative.");
  }
  return Status::Ok();
}

Status CheckUploadFits(int64_t limit, int64_t used, int64_t size, UploadQuotaCheck* quota) {
  // As a difference: used + size could overflow for a size near 2^63.
  if (size <= limit - used) return Status::Ok();
  quota->exceeded = true;
  quota->limit = limit;
  quota->used = used;
  return ResourceExhaustedError("The upload would pass the user's file storage quota.");
}

}  // namespace store_util

namespace {

// Girder / MongoDB ObjectId layout: 4-byte seconds, 5 random bytes per process, 3-byte counter.
class ObjectIdGenerator {
 public:
  ObjectIdGenerator() {
    std::random_device rd;
    for (auto& b : random_) b = static_cast<uint8_t>(rd());
    counter_ = rd() & 0xFFFFFF;
  }
  std::string Next() {
    uint8_t id[12];
    uint32_t secs = static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
    id[0] = secs >> 24;
    id[1] = secs >> 16;
    id[2] = secs >> 8;
    id[3] = secs;
    for (int i = 0; i < 5; ++i) id[4 + i] = random_[i];
    uint32_t c = counter_.fetch_add(1) & 0xFFFFFF;
    id[9] = c >> 16;
    id[10] = c >> 8;
    id[11] = c;
    return HexEncode(id, sizeof(id));
  }

 private:
  uint8_t random_[5];
  std::atomic<uint32_t> counter_;
};

}  // namespace

bool IsObjectId(std::string_view id) {
  if (id.size() != 24) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string NewObjectId() {
  static ObjectIdGenerator generator;  // immutable but for an atomic counter
  return generator.Next();
}

std::string_view ParentTypeName(ParentType t) {
  switch (t) {
    case ParentType::kCollection:
      return "collection";
    case ParentType::kFolder:
      return "folder";
    case ParentType::kUser:
      return "user";
  }
  return "collection";
}

std::optional<int64_t> EffectiveFileSizeQuota(const QuotaPolicy& policy, bool admin,
                                              int64_t default_bytes) {
  if (policy.use_quota_default) {
    if (admin || default_bytes <= 0) return std::nullopt;
    return default_bytes;
  }
  if (!policy.file_size_quota || *policy.file_size_quota < 0) return std::nullopt;
  return policy.file_size_quota;
}

StatusOr<std::unique_ptr<MetadataStore>> OpenMetadataStore(const std::string& database,
                                                           const std::string& sqlite_path,
                                                           int pool_size) {
  if (database.empty()) return OpenSqliteStore(sqlite_path);
  return OpenPostgresStore(database, pool_size);
}

StatusOr<ParentType> ParseParentType(std::string_view name) {
  if (name == "collection") return ParentType::kCollection;
  if (name == "folder") return ParentType::kFolder;
  if (name == "user") return ParentType::kUser;
  return InvalidArgumentError("Invalid parent type: " + std::string(name) +
                              " (collection, folder or user).");
}

}  // namespace tessera
