// Importing image files in place (`tessera import`, `POST /assetstore/{id}/import`): each file
// becomes an item with an imported file record pointing at its path (no copy); directories
// become folders (reused by name), recursively, as Girder's filesystem import does.
//
// Like Girder's import, the check that a file is a large image opens it WITHOUT putting the
// source in any cache (the spec; large_image issue #1294): import of a thousand files must not
// evict what users are viewing. DetectLargeImage is that check, shared with uploads. Files no
// format claims are not imported (named explicitly, they are reported with an error); a file a
// format claims but cannot open becomes an item without a large image, with the reason.
//
// Roots: when `roots` is non-empty, the import path and every entry met while walking must
// resolve (symlinks and ".." included) inside one of them; anything else is refused
// (PermissionDenied for the import path; skipped and reported inside the tree).
// Thread-safety: call from one thread per import; the store is thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "source/registry.h"
#include "store/metadata_store.h"

namespace tessera {

// The format that opens `path` ("tiff", "openslide", "vips") within `options`' limits, or ""
// with `why` set when no format reads it; `claimed` (optional) says whether some format
// recognised the file at all (false: not an image; true with "": an image that failed to open,
// or one beyond the limits: it would fail on every request). The source is opened and closed,
// never cached. Pass the options the server serves with (its max-levels / max-frames).
std::string DetectLargeImage(const FormatRegistry& registry, const std::string& path,
                             const OpenOptions& options, std::string* why, bool* claimed = nullptr);

struct ImportOptions {
  std::string folder_id;           // destination folder (required)
  std::string creator_id;          // recorded on created folders, items and files
  std::vector<std::string> roots;  // allowed directories (absolute); empty: anywhere
  // The limits a file must open within to become a large image: the serving ones
  // (Config::max_levels / max_frames; the built-in defaults otherwise).
  OpenOptions open;
};

struct ImportResult {
  ItemRecord item;        // id empty when nothing was registered
  std::string path;       // the file considered
  bool existing = false;  // the path was already imported
  std::string error;      // why the file is not a large image / not imported
};

// Imports `paths` (files or directories) into the destination folder; `emit` is called once
// per file considered.
Status ImportPaths(MetadataStore& store, const FormatRegistry& registry,
                   const std::vector<std::string>& paths, const ImportOptions& options,
                   const std::function<void(const ImportResult&)>& emit);

// The folder `tessera import` uses without --folder: collection `collection` (created public
// unless `make_private`) → folder of the same name.
StatusOr<FolderRecord> DefaultImportFolder(MetadataStore& store, const std::string& collection,
                                           bool make_private);

}  // namespace tessera
