// Auth: who is asking (Girder's token in the `Girder-Token` header, the `token` query parameter
// or the browser's `girderToken` cookie) and what they may do (Girder's access levels on
// collections, folders and the items they hold). Every route that names a resource goes
// through ItemFor / FolderFor / CollectionFor, so a private item answers 401 (anonymous) or 403
// (another user) on every route — tiles and thumbnails included.
//
// Hot path: tokens and items' access are cached in memory and re-read from the store when older
// than ApiContext::file_check_interval_nanos (1 s by default), so a cache hit on a tile costs no
// database query; a logout on this node forgets its token at once.
// Thread-safety: safe from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/api_types.h"
#include "core/clock.h"
#include "core/thread_annotations.h"
#include "store/metadata_store.h"

namespace tessera {

struct Principal {
  std::shared_ptr<const UserRecord> user;  // null: anonymous
  std::string token;                       // the token that authenticated the request

  bool anonymous() const { return user == nullptr; }
  bool admin() const { return user && user->admin; }
  const std::string& user_id() const;  // empty for anonymous
};

class Auth {
 public:
  Auth(MetadataStore& store, const Clock& clock, int64_t refresh_nanos)
      : store_(store), clock_(clock), refresh_nanos_(refresh_nanos) {}

  // The caller. A token that is given but unknown or expired is 401 ("Invalid token."), never
  // silently anonymous.
  StatusOr<Principal> Authenticate(const ApiRequest& request);
  // Where the request's token came from: header, query parameter or cookie (empty: none).
  static std::string TokenOf(const ApiRequest& request);

  // The principal's level on a resource with `access` (admins: kAdmin; public: at least kRead).
  static AccessLevel LevelOn(const Principal& who, const AccessList& access);
  // Unauthenticated ("You must be logged in.") for anonymous callers.
  static Status RequireUser(const Principal& who);
  // PermissionDenied ("Administrator access required.") unless an admin.
  static Status RequireAdmin(const Principal& who);
  // The error for lacking `level` on a resource: 401 for anonymous, 403 otherwise, with
  // Girder's message ("Read access denied for item <id>.").
  static Status Denied(const Principal& who, AccessLevel level, std::string_view model,
                       const std::string& id);
  // What list queries may show the principal.
  static AccessFilter FilterFor(const Principal& who, AccessLevel level = AccessLevel::kRead);

  // Loads the resource and checks that the principal has `level` on it.
  StatusOr<ItemRecord> ItemFor(const Principal& who, const std::string& id, AccessLevel level);
  StatusOr<FolderRecord> FolderFor(const Principal& who, const std::string& id, AccessLevel level);
  StatusOr<CollectionRecord> CollectionFor(const Principal& who, const std::string& id,
                                           AccessLevel level);
  // The cached check used by the tile routes: the item's folder access, refreshed at most
  // every refresh interval. Does not return the item.
  Status CheckItem(const Principal& who, const std::string& item_id, AccessLevel level);

  // Drops cached state (logout, access or item changes on this node).
  void ForgetToken(const std::string& token);
  void ForgetItem(const std::string& item_id);
  void ForgetAll();

 private:
  struct TokenEntry {
    std::shared_ptr<const UserRecord> user;
    int64_t expires_ms = 0;
    int64_t checked_nanos = 0;
  };
  struct ItemEntry {
    Status status;  // NotFound for a missing item / folder
    AccessList access;
    int64_t checked_nanos = 0;
  };

  MetadataStore& store_;
  const Clock& clock_;
  const int64_t refresh_nanos_;
  std::mutex mu_;
  std::unordered_map<std::string, TokenEntry> tokens_ GUARDED_BY(mu_);
  std::unordered_map<std::string, ItemEntry> items_ GUARDED_BY(mu_);
};

}  // namespace tessera
