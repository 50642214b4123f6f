#include "api/item_resolver.h"

#include "source/synthetic_source.h"

namespace tessera {

StatusOr<ItemRecord> ItemResolver::GetItem(const std::string& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = items_.find(id);
    if (it != items_.end()) return it->second;
  }
  TS_ASSIGN_OR_RETURN(ItemRecord item, ctx_.store->GetItem(id));
  std::lock_guard<std::mutex> lock(mu_);
  if (items_.size() > 100000) items_.clear();  // a bound, not a policy: records are small
  items_[id] = item;
  return item;
}

StatusOr<ResolvedItem> ItemResolver::Resolve(const std::string& id, const ApiRequest& request) {
  ResolvedItem out;
  if (id == "test") {
    TS_ASSIGN_OR_RETURN(SyntheticParams params, ParseSyntheticParams(request.query));
    out.synthetic = true;
    out.source.key = "test:" + params.Key();
    out.source.open = [params]() { return OpenSynthetic(params); };
    return out;
  }
  TS_ASSIGN_OR_RETURN(out.item, GetItem(id));
  if (out.item.source_name.empty()) {
    return InvalidArgumentError("No large image file in this item.");
  }
  auto st = ctx_.fs->Stat(out.item.path);
  if (!st.ok()) {
    return NotFoundError("The file of item " + id + " is missing: " + out.item.path);
  }
  out.source.key = "f:" + id + ":" + std::to_string(st->mtime_ns) + ":" + std::to_string(st->size);
  out.source.path = out.item.path;
  return out;
}

}  // namespace tessera
