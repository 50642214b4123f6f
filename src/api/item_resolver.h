// ItemResolver: item id -> item record and the SourceRef that names its file's current
// version. Item records are cached in memory (the hot tile path never touches SQLite twice for
// one item); the file is stat()ed on every resolve, so a file rewritten in place gets a new
// source key ("f:<id>:<mtime_ns>:<size>") and is never served stale.
//
// "test" resolves to the synthetic source with the request's parameters (large_image's
// /item/test/tiles).
// Thread-safety: safe from any thread.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "api/api_context.h"
#include "api/api_types.h"
#include "core/thread_annotations.h"
#include "tiles/tile_request.h"

namespace tessera {

struct ResolvedItem {
  ItemRecord item;  // empty id for the synthetic "test" item
  SourceRef source;
  bool synthetic = false;
};

class ItemResolver {
 public:
  explicit ItemResolver(const ApiContext& ctx) : ctx_(ctx) {}

  // NotFound for an unknown item or a missing file; InvalidArgument for a malformed id or bad
  // synthetic parameters; 400-style error for items that are not large images.
  StatusOr<ResolvedItem> Resolve(const std::string& id, const ApiRequest& request);
  StatusOr<ItemRecord> GetItem(const std::string& id);

 private:
  const ApiContext& ctx_;
  std::mutex mu_;
  std::unordered_map<std::string, ItemRecord> items_ GUARDED_BY(mu_);
};

}  // namespace tessera
