#include "api/item_resolver.h"

#include "api/auth.h"
#include "source/synthetic_source.h"

namespace tessera {

StatusOr<ResolvedItem> ItemResolver::Resolve(const std::string& id, const ApiRequest& request) {
  ResolvedItem out;
  if (id == "test") {
    TS_ASSIGN_OR_RETURN(SyntheticParams params, ParseSyntheticParams(request.query));
    out.synthetic = true;
    out.source.key = "test:" + params.Key();
    out.source.open = [params]() { return OpenSynthetic(params); };
    return out;
  }
  if (ctx_.auth) {
    TS_ASSIGN_OR_RETURN(Principal who, ctx_.auth->Authenticate(request));
    TS_RETURN_IF_ERROR(ctx_.auth->CheckItem(who, id, AccessLevel::kRead));
  }
  const int64_t now = ctx_.clock->NowNanos();
  Entry entry;
  bool fresh = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = items_.find(id);
    if (it != items_.end()) {
      entry = it->second;
      fresh = now - entry.checked_nanos < ctx_.file_check_interval_nanos;
    }
  }
  if (!fresh) {
    // Re-read: the item's large image may have been made, converted or removed since.
    TS_ASSIGN_OR_RETURN(ItemRecord item, ctx_.store->GetItem(id));
    entry.item = std::make_shared<const ItemRecord>(std::move(item));
    entry.checked_nanos = now;
    entry.file_status = Status::Ok();
    const std::string previous_key = std::move(entry.source_key);
    entry.source_key.clear();
    if (!entry.item->source_name.empty()) {
      auto st = ctx_.fs->Stat(entry.item->path);
      if (st.ok()) {
        entry.source_key = "f:" + entry.item->large_image_file_id + ":" +
                           std::to_string(st->mtime_ns) + ":" + std::to_string(st->size);
      } else {
        entry.file_status =
            NotFoundError("The file of item " + id + " is missing: " + entry.item->path);
      }
    }
    // The file changed, vanished or was replaced: the source opened on its old version holds a
    // handle to bytes that are gone (or to a deleted inode), so it leaves the cache now, with
    // the sources derived from it; the new version is opened on demand.
    if (!previous_key.empty() && previous_key != entry.source_key && ctx_.source_cache) {
      ctx_.source_cache->Erase(previous_key);
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (items_.size() > 100000) items_.clear();  // a bound, not a policy: entries are small
    items_[id] = entry;
  }
  if (entry.item->source_name.empty()) {
    return InvalidArgumentError("No large image file in this item.");
  }
  TS_RETURN_IF_ERROR(entry.file_status);
  out.source.key = std::move(entry.source_key);
  out.source.path = entry.item->path;
  out.item = std::move(entry.item);
  return out;
}

}  // namespace tessera
