// What every MetadataStore shares: ObjectIds and parent type names.
#include "store/metadata_store.h"

#include <atomic>
#include <chrono>
#include <random>

#include "core/strings.h"

namespace tessera {
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
