#include "api/importer.h"

#include <algorithm>
#include <filesystem>

namespace tessera {
namespace {

namespace fs = std::filesystem;

bool Inside(const fs::path& path, const std::vector<std::string>& roots) {
  if (roots.empty()) return true;
  std::error_code ec;
  const fs::path real = fs::weakly_canonical(path, ec);
  if (ec) return false;
  for (const std::string& root : roots) {
    const fs::path r = fs::weakly_canonical(root, ec);
    if (ec) continue;
    auto rel = real.lexically_relative(r);
    if (!rel.empty() && *rel.begin() != "..") return true;
  }
  return false;
}

class Importer {
 public:
  Importer(MetadataStore& store, const FormatRegistry& registry, const ImportOptions& options,
           const std::function<void(const ImportResult&)>& emit)
      : store_(store), registry_(registry), options_(options), emit_(emit) {}

  // A file into `folder_id`; `explicit_path`: named by the caller (reported when unreadable).
  void File(const fs::path& path, const std::string& folder_id, bool explicit_path) {
    ImportResult r;
    r.path = path.string();
    if (!Inside(path, options_.roots)) {
      r.error = "outside the allowed import roots";
      emit_(r);
      return;
    }
    auto existing = store_.FindFileByPath(r.path);
    if (existing.ok() && existing->has_value()) {
      auto item = store_.GetItem((*existing)->item_id);
      if (item.ok()) r.item = *item;
      r.existing = true;
      emit_(r);
      return;
    }
    std::string why;
    bool claimed = false;
    const std::string source_name =
        DetectLargeImage(registry_, r.path, options_.open, &why, &claimed);
    if (!claimed) {  // not an image: skipped in trees, reported when named
      if (explicit_path) {
        r.error = why;
        emit_(r);
      }
      return;
    }
    r.error = why;
    std::error_code ec;
    ItemRecord item;
    item.name = path.filename().string();
    item.folder_id = folder_id;
    item.creator_id = options_.creator_id;
    auto created = store_.CreateItem(item);
    if (!created.ok()) {
      r.error = created.status().message();
      emit_(r);
      return;
    }
    FileRecord file;
    file.item_id = created->id;
    file.name = item.name;
    file.path = r.path;
    file.size = static_cast<int64_t>(fs::file_size(path, ec));
    file.imported = true;
    file.creator_id = options_.creator_id;
    auto f = store_.CreateFile(file);
    if (!f.ok()) {
      r.error = f.status().message();
      emit_(r);
      return;
    }
    ItemRecord done = *created;
    if (!source_name.empty()) {
      done.large_image_file_id = f->id;
      done.source_name = source_name;
      if (Status s = store_.UpdateItem(done); !s.ok()) r.error = s.message();
    }
    auto reread = store_.GetItem(done.id);
    r.item = reread.ok() ? *reread : done;
    emit_(r);
  }

  // The entries of `dir` into `folder_id`: subdirectories become (reused) folders.
  void Directory(const fs::path& dir, const std::string& folder_id, int depth) {
    if (depth > 64) return;
    std::vector<fs::directory_entry> entries;
    std::error_code ec;
    for (auto it = fs::directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::directory_iterator(); it.increment(ec)) {
      entries.push_back(*it);
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.path() < b.path(); });
    for (const auto& e : entries) {
      if (!Inside(e.path(), options_.roots)) {
        ImportResult r;
        r.path = e.path().string();
        r.error = "outside the allowed import roots (a symlink escaping them?)";
        emit_(r);
        continue;
      }
      if (e.is_directory(ec)) {
        auto sub = SubFolder(folder_id, e.path().filename().string());
        if (!sub.ok()) {
          ImportResult r;
          r.path = e.path().string();
          r.error = sub.status().message();
          emit_(r);
          continue;
        }
        Directory(e.path(), *sub, depth + 1);
      } else if (e.is_regular_file(ec)) {
        File(e.path(), folder_id, false);
      }
    }
  }

 private:
  StatusOr<std::string> SubFolder(const std::string& parent, const std::string& name) {
    ListQuery q;
    q.name = name;
    q.limit = 1;
    TS_ASSIGN_OR_RETURN(auto found,
                        store_.ListFolders(ParentType::kFolder, parent, q, AccessFilter::All()));
    if (!found.empty()) return found.front().id;
    FolderRecord f;
    f.name = name;
    f.parent_type = ParentType::kFolder;
    f.parent_id = parent;
    f.creator_id = options_.creator_id;
    TS_ASSIGN_OR_RETURN(FolderRecord created, store_.CreateFolder(f));
    return created.id;
  }

  MetadataStore& store_;
  const FormatRegistry& registry_;
  const ImportOptions& options_;
  const std::function<void(const ImportResult&)>& emit_;
};

}  // namespace

std::string DetectLargeImage(const FormatRegistry& registry, const std::string& path,
                             const OpenOptions& options, std::string* why, bool* was_claimed) {
  auto claimed = registry.Probe(path, options);
  if (was_claimed) *was_claimed = claimed.ok() && !claimed->empty();
  if (!claimed.ok() || claimed->empty()) {
    *why = claimed.ok() ? "not an image format Tessera reads" : claimed.status().message();
    return "";
  }
  // Opened to check it, then closed: never cached.
  auto source = registry.Open(path, options);
  if (!source.ok()) {
    *why = source.status().message();
    return "";
  }
  return std::string((*source)->format_name());
}

Status ImportPaths(MetadataStore& store, const FormatRegistry& registry,
                   const std::vector<std::string>& paths, const ImportOptions& options,
                   const std::function<void(const ImportResult&)>& emit) {
  TS_RETURN_IF_ERROR(store.GetFolder(options.folder_id).status());
  Importer importer(store, registry, options, emit);
  for (const std::string& p : paths) {
    std::error_code ec;
    fs::path abs = fs::absolute(p, ec);
    if (ec || !fs::exists(abs, ec)) return NotFoundError("No such file or directory: " + p);
    if (!Inside(abs, options.roots)) {
      return PermissionDeniedError("The path " + p + " is outside the allowed import roots.");
    }
    abs = fs::weakly_canonical(abs, ec);
    if (fs::is_directory(abs, ec)) {
      importer.Directory(abs, options.folder_id, 0);
    } else {
      importer.File(abs, options.folder_id, true);
    }
  }
  return Status::Ok();
}

StatusOr<FolderRecord> DefaultImportFolder(MetadataStore& store, const std::string& collection,
                                           bool make_private) {
  ListQuery q;
  q.name = collection;
  q.limit = 1;
  TS_ASSIGN_OR_RETURN(auto found, store.ListCollections(q, AccessFilter::All()));
  CollectionRecord c;
  if (found.empty()) {
    c.name = collection;
    c.access.is_public = !make_private;
    TS_ASSIGN_OR_RETURN(c, store.CreateCollection(c));
  } else {
    c = found.front();
  }
  TS_ASSIGN_OR_RETURN(auto folders,
                      store.ListFolders(ParentType::kCollection, c.id, q, AccessFilter::All()));
  if (!folders.empty()) return folders.front();
  FolderRecord f;
  f.name = collection;
  f.parent_type = ParentType::kCollection;
  f.parent_id = c.id;
  return store.CreateFolder(f);
}

}  // namespace tessera
