#include "cache/shared_tile_cache.h"

#include <algorithm>

#include "cache/tile_value_codec.h"
#include "core/clock.h"
#include "core/logging.h"

namespace tessera {
namespace {

using Result = SharedStore::Result;

// Room left in a part for the backend's own item header and the key.
constexpr uint64_t kPartOverhead = 512;

bool ValidNamespace(std::string_view ns) {
  if (ns.empty() || ns.size() > 64) return false;
  return std::all_of(ns.begin(), ns.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

}  // namespace

Status ValidateSharedTileCacheOptions(const SharedTileCacheOptions& o) {
  if (!ValidNamespace(o.name_space)) {
    return InvalidArgumentError("cache-namespace '" + o.name_space +
                                "': expected 1 to 64 of A-Z a-z 0-9 _ . -");
  }
  if (o.servers.empty()) return InvalidArgumentError("cache-servers: no server given");
  for (const std::string& s : o.servers) {
    if (s.empty()) return InvalidArgumentError("cache-servers: an empty server");
    if (s.front() != '/' && s.rfind(':') == std::string::npos) {
      return InvalidArgumentError("cache-servers '" + s +
                                  "': expected host:port or a unix socket path");
    }
  }
  if (o.item_max_bytes < 2 * kPartOverhead) {
    return InvalidArgumentError("cache-item-max-bytes: too small (at least 1KiB)");
  }
  return Status::Ok();
}

Result SharedStore::MultiGet(const std::vector<std::string>& keys,
                             const std::function<void(size_t, std::string_view)>& found,
                             std::string* error) {
  for (size_t i = 0; i < keys.size(); ++i) {
    Result r = Get(
        keys[i], [&](std::string_view v) { found(i, v); }, error);
    if (r == Result::kError) return r;
  }
  return Result::kOk;
}

bool Backoff::Allow(int64_t now) {
  int64_t until = until_.load(std::memory_order_acquire);
  if (until == 0) return true;
  if (now < until) return false;
  // The back-off is over: the one caller that moves the deadline on probes the server.
  return until_.compare_exchange_strong(until, now + std::max(delay_.load(), initial_));
}

void Backoff::Succeeded() {
  if (until_.load(std::memory_order_relaxed) == 0) return;
  until_.store(0, std::memory_order_release);
  delay_.store(0);
}

void Backoff::Failed(int64_t now) {
  const int64_t d = delay_.load();
  const int64_t next = d == 0 ? initial_ : std::min(2 * d, max_);
  delay_.store(next);
  until_.store(now + next, std::memory_order_release);
}

SharedTileCache::SharedTileCache(std::unique_ptr<SharedStore> store,
                                 const SharedTileCacheOptions& options)
    : store_(std::move(store)), options_(options) {
  for (size_t i = 0; i < store_->Slots(); ++i) {
    backoff_.push_back(
        std::make_unique<Backoff>(std::chrono::milliseconds(options.backoff_initial_ms),
                                  std::chrono::milliseconds(options.backoff_max_ms)));
  }
}

std::string SharedTileCache::StoredName(std::string_view key) {
  MaybeRefresh();
  return NameOf(key);
}

std::string SharedTileCache::NameOf(std::string_view key) const {
  std::string prefix = store_->KeyPrefix();
  if (prefix.empty()) return "";
  const Digest128 d = Hash128(key);
  return prefix + Hex(d.data(), d.size());
}

Result SharedTileCache::Call(size_t slot, const char* what,
                             const std::function<Result(std::string*)>& op) {
  Backoff& b = *backoff_[std::min(slot, backoff_.size() - 1)];
  if (!b.Allow(Clock::Real().NowNanos())) {
    backoff_misses_.fetch_add(1, std::memory_order_relaxed);
    return Result::kError;
  }
  std::string error;
  Result r = op(&error);
  if (r == Result::kError) {
    b.Failed(Clock::Real().NowNanos());
    NoteError(what, error);
  } else {
    b.Succeeded();
  }
  return r;
}

void SharedTileCache::NoteError(const char* what, const std::string& error) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  unlogged_errors_.fetch_add(1, std::memory_order_relaxed);
  const int64_t now = Clock::Real().NowNanos();
  int64_t next = next_log_.load();
  if (now < next) return;
  if (!next_log_.compare_exchange_strong(
          next, now + std::chrono::duration_cast<std::chrono::nanoseconds>(kLogInterval).count())) {
    return;
  }
  TS_LOG(kWarning) << "tile cache (" << store_->name() << "): " << what << " failed: " << error
                   << "; " << unlogged_errors_.exchange(0)
                   << " failure(s) since the last report, served as misses";
}

void SharedTileCache::MaybeRefresh() {
  const int64_t now = Clock::Real().NowNanos();
  int64_t next = next_refresh_.load(std::memory_order_relaxed);
  if (now < next) return;
  if (!next_refresh_.compare_exchange_strong(
          next, now + int64_t{options_.generation_refresh_ms} * 1'000'000)) {
    return;
  }
  Result r = Call(store_->RefreshSlot(), "reading the generation",
                  [&](std::string* e) { return store_->Refresh(e); });
  // Until a generation is known, retry on the next call rather than a second later.
  if (r != Result::kOk && store_->KeyPrefix().empty()) next_refresh_.store(0);
}

TileValuePtr SharedTileCache::Get(std::string_view key) {
  // Decoded copies of stored tiles (TileService keys them "...|pixels") are never written here
  // unless cache-shared-pixels: asking would cost a round trip that always misses.
  constexpr std::string_view kPixelsSuffix = "|pixels";
  if (!options_.store_pixels && key.size() >= kPixelsSuffix.size() &&
      key.substr(key.size() - kPixelsSuffix.size()) == kPixelsSuffix) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  MaybeRefresh();
  const std::string name = NameOf(key);
  if (name.empty()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  TileValuePtr value;
  std::string head;
  bool bad = false;
  Result r = Call(store_->SlotFor(name), "get", [&](std::string* e) {
    return store_->Get(
        name,
        [&](std::string_view stored) {
          if (stored.substr(0, 4) == kTilePartsMagic) {
            head.assign(stored);
            return;
          }
          auto v = DecodeTileValue(stored, key);
          if (v.ok()) {
            value = std::move(*v);
          } else {
            bad = true;
          }
        },
        e);
  });
  if (r == Result::kOk && !head.empty()) value = ReadParts(name, key, head);
  if (bad) bad_values_.fetch_add(1, std::memory_order_relaxed);
  if (value) {
    hits_.fetch_add(1, std::memory_order_relaxed);
  } else {
    misses_.fetch_add(1, std::memory_order_relaxed);
  }
  return value;
}

TileValuePtr SharedTileCache::ReadParts(const std::string& name, std::string_view key,
                                        std::string_view stored_head) {
  PartsHead head;
  if (!DecodePartsHead(stored_head, &head) || head.parts > kMaxParts) {
    bad_values_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  const std::string part_prefix = name + ":" + Hex(head.check.data(), 8) + ":";
  std::vector<std::string> keys;
  for (uint32_t i = 0; i < head.parts; ++i) keys.push_back(part_prefix + std::to_string(i));
  std::vector<std::string> parts(head.parts);
  std::vector<bool> present(head.parts, false);
  Result r = Call(store_->SlotFor(name), "get parts", [&](std::string* e) {
    return store_->MultiGet(
        keys,
        [&](size_t i, std::string_view v) {
          parts[i].assign(v);
          present[i] = true;
        },
        e);
  });
  if (r != Result::kOk) return nullptr;
  uint64_t total = 0;
  for (uint32_t i = 0; i < head.parts; ++i) {
    if (!present[i]) {  // evicted or never written: the value is gone
      bad_values_.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
    total += parts[i].size();
  }
  if (total != head.total_bytes) {
    bad_values_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  std::string whole;
  whole.reserve(total);
  for (const std::string& p : parts) whole += p;
  auto value = Hash128(whole) == head.check ? DecodeTileValue(whole, key)
                                            : StatusOr<TileValuePtr>(DataLossError("check"));
  if (!value.ok()) {
    bad_values_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  return std::move(*value);
}

void SharedTileCache::Put(std::string_view key, TileValuePtr value) {
  if (!value) return;
  if (!value->is_encoded() && !options_.store_pixels) {
    skipped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  MaybeRefresh();
  const std::string name = NameOf(key);
  if (name.empty()) return;  // no generation known yet (the server is down): nothing to do
  const Bytes blob = EncodeTileValue(key, *value);
  const std::string_view all(reinterpret_cast<const char*>(blob.data()), blob.size());
  const uint64_t part_bytes = options_.item_max_bytes - kPartOverhead;
  const int ttl = options_.ttl_s;
  auto set = [&](const std::string& k, std::string_view v) {
    return Call(store_->SlotFor(k), "set",
                [&](std::string* e) { return store_->Set(k, v, ttl, e); });
  };
  Result r;
  if (all.size() <= part_bytes) {
    r = set(name, all);
  } else {
    const uint64_t n = (all.size() + part_bytes - 1) / part_bytes;
    if (n > kMaxParts) {
      skipped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    PartsHead head;
    head.parts = static_cast<uint32_t>(n);
    head.total_bytes = all.size();
    head.check = Hash128(all);
    const std::string part_prefix = name + ":" + Hex(head.check.data(), 8) + ":";
    r = Result::kOk;
    for (uint64_t i = 0; i < n && r == Result::kOk; ++i) {
      r = set(part_prefix + std::to_string(i), all.substr(i * part_bytes, part_bytes));
    }
    // The head goes last: a reader never finds a head whose parts are not written yet.
    if (r == Result::kOk) r = set(name, EncodePartsHead(head));
    if (r == Result::kOk) multipart_puts_.fetch_add(1, std::memory_order_relaxed);
  }
  if (r == Result::kOk) {
    inserts_.fetch_add(1, std::memory_order_relaxed);
  } else if (r == Result::kTooLarge) {
    // The server's item limit is below cache-item-max-bytes: counted, and said once in a while.
    skipped_.fetch_add(1, std::memory_order_relaxed);
    const int64_t now = Clock::Real().NowNanos();
    int64_t next = next_log_.load();
    if (now >= next &&
        next_log_.compare_exchange_strong(
            next,
            now + std::chrono::duration_cast<std::chrono::nanoseconds>(kLogInterval).count())) {
      TS_LOG(kWarning) << "tile cache (" << store_->name()
                       << "): the server refused a value as too large; set cache-item-max-bytes "
                          "to its item limit";
    }
  }
}

void SharedTileCache::Erase(std::string_view key) {
  MaybeRefresh();
  const std::string name = NameOf(key);
  if (name.empty()) return;
  Call(store_->SlotFor(name), "delete", [&](std::string* e) { return store_->Delete(name, e); });
}

void SharedTileCache::Clear() {
  Result r = Call(store_->RefreshSlot(), "clear", [&](std::string* e) { return store_->Clear(e); });
  if (r == Result::kOk) clears_.fetch_add(1, std::memory_order_relaxed);
}

SharedTierStats SharedTileCache::SharedStats() const {
  SharedTierStats s;
  s.backend = store_->name();
  s.hits = hits_.load();
  s.misses = misses_.load();
  s.inserts = inserts_.load();
  s.errors = errors_.load();
  s.backoff_misses = backoff_misses_.load();
  s.skipped = skipped_.load();
  s.multipart_puts = multipart_puts_.load();
  s.bad_values = bad_values_.load();
  s.connects = store_->connects();
  s.clears = clears_.load();
  return s;
}

TileCacheStats SharedTileCache::Stats() const {
  TileCacheStats t;
  t.hits = hits_.load();
  t.misses = misses_.load();
  t.inserts = inserts_.load();
  t.rejected = skipped_.load();
  return t;
}

std::optional<TileCacheTiers> SharedTileCache::Tiers() const {
  TileCacheTiers t;
  t.shared = SharedStats();
  return t;
}

}  // namespace tessera
