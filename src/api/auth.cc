#include "api/auth.h"

#include <chrono>

#include "core/strings.h"

namespace tessera {
namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view LevelVerb(AccessLevel level) {
  switch (level) {
    case AccessLevel::kAdmin:
      return "Admin";
    case AccessLevel::kWrite:
      return "Write";
    default:
      return "Read";
  }
}

// The value of cookie `name` in a Cookie header ("a=1; girderToken=xyz").
std::string CookieValue(std::string_view header, std::string_view name) {
  for (std::string_view part : Split(header, ';')) {
    part = Trim(part);
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
  }
  return "";
}

}  // namespace

const std::string& Principal::user_id() const {
  static const std::string kEmpty;
  return user ? user->id : kEmpty;
}

std::string Auth::TokenOf(const ApiRequest& request) {
  if (const std::string* h = request.Header("girder-token"); h && !h->empty()) return *h;
  if (const std::string* q = request.Query("token"); q && !q->empty()) return *q;
  // The cookie is honoured on safe methods only, so another site cannot make a logged-in
  // browser change anything (Girder accepts cookies on image routes only, for the same reason).
  if (request.method == "GET" || request.method == "HEAD") {
    if (const std::string* c = request.Header("cookie")) return CookieValue(*c, "girderToken");
  }
  return "";
}

StatusOr<Principal> Auth::Authenticate(const ApiRequest& request) {
  Principal who;
  who.token = TokenOf(request);
  if (who.token.empty()) return who;
  const int64_t now = clock_.NowNanos();
  const int64_t wall = WallMs();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tokens_.find(who.token);
    if (it != tokens_.end() && now - it->second.checked_nanos < refresh_nanos_ &&
        wall < it->second.expires_ms) {
      who.user = it->second.user;
      return who;
    }
  }
  auto token = store_.GetToken(who.token, wall);
  if (!token.ok()) {
    if (token.status().code() == StatusCode::kNotFound) {
      ForgetToken(who.token);
      return UnauthenticatedError("Invalid token.");
    }
    return token.status();
  }
  auto user = store_.GetUser(token->user_id);
  if (!user.ok()) {
    if (user.status().code() == StatusCode::kNotFound) {
      return UnauthenticatedError("Invalid token.");
    }
    return user.status();
  }
  TokenEntry entry;
  entry.user = std::make_shared<const UserRecord>(std::move(*user));
  entry.expires_ms = token->expires_ms;
  entry.checked_nanos = now;
  who.user = entry.user;
  std::lock_guard<std::mutex> lock(mu_);
  if (tokens_.size() > 100000) tokens_.clear();  // a bound, not a policy: entries are small
  tokens_[who.token] = std::move(entry);
  return who;
}

AccessLevel Auth::LevelOn(const Principal& who, const AccessList& access) {
  if (who.admin()) return AccessLevel::kAdmin;
  AccessLevel level = access.is_public ? AccessLevel::kRead : AccessLevel::kNone;
  if (who.user) {
    for (const AccessGrant& g : access.users) {
      if (g.user_id == who.user->id && static_cast<int>(g.level) > static_cast<int>(level)) {
        level = g.level;
      }
    }
  }
  return level;
}

Status Auth::RequireUser(const Principal& who) {
  if (who.anonymous()) return UnauthenticatedError("You must be logged in.");
  return Status::Ok();
}

Status Auth::RequireAdmin(const Principal& who) {
  TS_RETURN_IF_ERROR(RequireUser(who));
  if (!who.admin()) return PermissionDeniedError("Administrator access required.");
  return Status::Ok();
}

Status Auth::Denied(const Principal& who, AccessLevel level, std::string_view model,
                    const std::string& id) {
  std::string msg =
      std::string(LevelVerb(level)) + " access denied for " + std::string(model) + " " + id + ".";
  if (who.anonymous()) return UnauthenticatedError(std::move(msg));
  return PermissionDeniedError(std::move(msg));
}

AccessFilter Auth::FilterFor(const Principal& who, AccessLevel level) {
  if (who.admin()) return AccessFilter::All();
  AccessFilter f;
  f.user_id = who.user_id();
  f.level = level;
  return f;
}

StatusOr<FolderRecord> Auth::FolderFor(const Principal& who, const std::string& id,
                                       AccessLevel level) {
  TS_ASSIGN_OR_RETURN(FolderRecord folder, store_.GetFolder(id));
  if (static_cast<int>(LevelOn(who, folder.access)) < static_cast<int>(level)) {
    return Denied(who, level, "folder", id);
  }
  return folder;
}

StatusOr<CollectionRecord> Auth::CollectionFor(const Principal& who, const std::string& id,
                                               AccessLevel level) {
  TS_ASSIGN_OR_RETURN(CollectionRecord c, store_.GetCollection(id));
  if (static_cast<int>(LevelOn(who, c.access)) < static_cast<int>(level)) {
    return Denied(who, level, "collection", id);
  }
  return c;
}

StatusOr<ItemRecord> Auth::ItemFor(const Principal& who, const std::string& id, AccessLevel level) {
  TS_ASSIGN_OR_RETURN(ItemRecord item, store_.GetItem(id));
  auto folder = store_.GetFolder(item.folder_id);
  if (!folder.ok()) return folder.status();
  if (static_cast<int>(LevelOn(who, folder->access)) < static_cast<int>(level)) {
    return Denied(who, level, "item", id);
  }
  return item;
}

Status Auth::CheckItem(const Principal& who, const std::string& item_id, AccessLevel level) {
  if (who.admin()) return Status::Ok();
  const int64_t now = clock_.NowNanos();
  ItemEntry entry;
  bool fresh = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = items_.find(item_id);
    if (it != items_.end() && now - it->second.checked_nanos < refresh_nanos_) {
      entry = it->second;
      fresh = true;
    }
  }
  if (!fresh) {
    entry.checked_nanos = now;
    auto item = store_.GetItem(item_id);
    if (!item.ok() && item.status().code() != StatusCode::kNotFound) return item.status();
    if (item.ok()) {
      auto folder = store_.GetFolder(item->folder_id);
      if (!folder.ok() && folder.status().code() != StatusCode::kNotFound) {
        return folder.status();
      }
      entry.status = folder.ok() ? Status::Ok() : folder.status();
      if (folder.ok()) entry.access = std::move(folder->access);
    } else {
      entry.status = item.status();
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (items_.size() > 100000) items_.clear();
    items_[item_id] = entry;
  }
  TS_RETURN_IF_ERROR(entry.status);
  if (static_cast<int>(LevelOn(who, entry.access)) < static_cast<int>(level)) {
    return Denied(who, level, "item", item_id);
  }
  return Status::Ok();
}

void Auth::ForgetToken(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_.erase(token);
}

void Auth::ForgetItem(const std::string& item_id) {
  std::lock_guard<std::mutex> lock(mu_);
  items_.erase(item_id);
}

void Auth::ForgetAll() {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_.clear();
  items_.clear();
}

}  // namespace tessera
