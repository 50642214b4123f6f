// MetadataStore: where items (and, with the data-management issue, users, folders, files and
// tokens) are recorded. SQLite is the embedded default (sqlite_store.cc); PostgreSQL will
// implement the same interface for several nodes.
//
// Today an item is one image file registered in place (`tessera import`), with a Girder-style
// 24-hex id.
// Thread-safety: implementations are safe to call from any thread; several processes may use
// one SQLite database at once (WAL, busy timeout).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace tessera {

struct ItemRecord {
  std::string id;    // 24 lowercase hex characters
  std::string name;  // display name (the file name at import)
  std::string path;  // absolute path of the image file
  int64_t size = 0;  // bytes at import
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  // The format that opened the file at import ("tiff", "openslide", "vips"); empty when the
  // file could not be opened as an image.
  std::string source_name;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;
  // NotFound when there is no such item.
  virtual StatusOr<ItemRecord> GetItem(const std::string& id) = 0;
  virtual StatusOr<std::optional<ItemRecord>> FindItemByPath(const std::string& path) = 0;
  // Assigns an id (and timestamps) when empty. AlreadyExists when the path is registered.
  virtual StatusOr<ItemRecord> CreateItem(ItemRecord item) = 0;
  // Items ordered by name then id; `text` filters names containing it (case-insensitive).
  virtual StatusOr<std::vector<ItemRecord>> ListItems(int limit, int offset,
                                                      const std::string& text) = 0;
  virtual StatusOr<int64_t> CountItems() = 0;
};

// Opens (creating and migrating) the SQLite database at `path`.
StatusOr<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::string& path);

// True for a well-formed 24-hex id.
bool IsObjectId(std::string_view id);

}  // namespace tessera
