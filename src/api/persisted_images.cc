#include "api/persisted_images.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "core/logging.h"
#include "core/strings.h"

namespace tessera {
namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<Encoding> EncodingOfMime(std::string_view mime) {
  for (Encoding e : {Encoding::kJpeg, Encoding::kPng, Encoding::kWebp, Encoding::kTiff}) {
    if (MimeType(e) == mime) return e;
  }
  return std::nullopt;
}

}  // namespace

TileValuePtr PersistedImages::Find(const std::string& item_id, const std::string& key) const {
  if (!enabled()) return nullptr;
  auto found = ctx_.store->FindThumbnail(item_id, key);
  if (!found.ok() || !found->has_value()) return nullptr;
  const ThumbnailRecord& t = **found;
  auto encoding = EncodingOfMime(t.content_type);
  std::ifstream in(t.path, std::ios::binary);
  if (!encoding || !in) return nullptr;
  Bytes bytes(static_cast<size_t>(std::max<int64_t>(t.size, 0)));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (in.gcount() != static_cast<std::streamsize>(bytes.size())) return nullptr;
  return MakeEncodedValue(*encoding, std::move(bytes));
}

void PersistedImages::Save(const std::string& item_id, const std::string& key,
                           const TileValuePtr& value) const {
  if (!enabled() || !value || !value->is_encoded()) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir = fs::path(ctx_.thumbnail_dir) / item_id.substr(0, 2);
  fs::create_directories(dir, ec);
  char name[96];
  std::snprintf(name, sizeof(name), "%s-%016zx-%lld", item_id.c_str(),
                std::hash<std::string>()(key), static_cast<long long>(WallMs()));
  const fs::path path = dir / name;
  const fs::path temp = path.string() + ".part";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(value->bytes.data()),
              static_cast<std::streamsize>(value->bytes.size()));
    if (!out) {
      TS_LOG(kWarning) << "cannot persist a thumbnail of item " << item_id << " in " << dir;
      fs::remove(temp, ec);
      return;
    }
  }
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    return;
  }
  ThumbnailRecord t;
  t.item_id = item_id;
  t.key = key;
  t.content_type = std::string(MimeType(*value->encoding));
  t.path = path.string();
  t.size = static_cast<int64_t>(value->bytes.size());
  t.created_ms = WallMs();
  std::vector<std::string> removed;
  Status s = ctx_.store->PutThumbnail(t, ctx_.max_thumbnail_files, &removed);
  if (!s.ok()) {
    TS_LOG(kWarning) << "cannot record a thumbnail of item " << item_id << ": " << s.message();
    fs::remove(path, ec);
    return;
  }
  for (const std::string& p : removed) {
    if (p != t.path) fs::remove(p, ec);
  }
}

}  // namespace tessera
