#include "cli/import.h"

#include <algorithm>
#include <filesystem>

namespace tessera {
namespace {

namespace fs = std::filesystem;

ImportResult ImportFile(MetadataStore& store, const FormatRegistry& registry,
                        const std::string& path, bool explicit_path, bool* skip) {
  ImportResult r;
  *skip = false;
  auto existing = store.FindItemByPath(path);
  if (existing.ok() && existing->has_value()) {
    r.item = **existing;
    r.existing = true;
    return r;
  }
  OpenOptions options;
  auto claimed = registry.Probe(path, options);
  if (!claimed.ok() || claimed->empty()) {
    if (!explicit_path) *skip = true;
    r.error = claimed.ok() ? "not an image format Tessera reads" : claimed.status().message();
    return r;
  }
  ItemRecord item;
  item.name = fs::path(path).filename().string();
  item.path = path;
  std::error_code ec;
  item.size = static_cast<int64_t>(fs::file_size(path, ec));
  // Opened to check it, then closed: never cached.
  auto source = registry.Open(path, options);
  if (source.ok()) {
    item.source_name = std::string((*source)->format_name());
  } else {
    r.error = source.status().message();
  }
  auto created = store.CreateItem(item);
  if (!created.ok()) {
    r.error = created.status().message();
    return r;
  }
  r.item = *created;
  return r;
}

}  // namespace

Status ImportPaths(MetadataStore& store, const FormatRegistry& registry,
                   const std::vector<std::string>& paths,
                   const std::function<void(const ImportResult&)>& emit) {
  for (const std::string& p : paths) {
    std::error_code ec;
    fs::path abs = fs::absolute(p, ec);
    if (ec || !fs::exists(abs, ec)) return NotFoundError("no such file or directory: " + p);
    abs = fs::weakly_canonical(abs, ec);
    if (fs::is_directory(abs, ec)) {
      std::vector<std::string> files;
      for (auto it = fs::recursive_directory_iterator(
               abs, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) files.push_back(it->path().string());
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        bool skip = false;
        ImportResult r = ImportFile(store, registry, f, false, &skip);
        if (!skip) emit(r);
      }
    } else {
      bool skip = false;
      emit(ImportFile(store, registry, abs.string(), true, &skip));
    }
  }
  return Status::Ok();
}

}  // namespace tessera
