// Importing image files in place: each file becomes an item pointing at its path (no copy).
//
// Like Girder's import, the check that a file is a large image opens it WITHOUT putting the
// source in any cache (the spec; large_image issue #1294): import of a thousand files must not
// evict what users are viewing. Directories are walked recursively; files no format claims
// are skipped there (and reported when named explicitly).
// Thread-safety: call from one thread; the store is thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "source/registry.h"
#include "store/metadata_store.h"

namespace tessera {

struct ImportResult {
  ItemRecord item;        // id empty when nothing was registered
  bool existing = false;  // the path was already an item
  std::string error;      // why the file is not a large image / not imported
};

// Imports `paths` (files or directories); `emit` is called once per file considered.
Status ImportPaths(MetadataStore& store, const FormatRegistry& registry,
                   const std::vector<std::string>& paths,
                   const std::function<void(const ImportResult&)>& emit);

}  // namespace tessera
