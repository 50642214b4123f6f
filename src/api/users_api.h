// Users and logins, in Girder's shapes: `GET|POST /user/authentication` (HTTP Basic → a token),
// `DELETE /user/authentication` (logout), `GET /user/me`, `GET /token/current`, and user
// CRUD (`/user`, `/user/{id}`, passwords). Creating a user also creates its home folders
// "Public" (public) and "Private" (private), as Girder does.
// Girder's user_quota plugin: `GET /user/{id}/quota` (the user or an admin: the user with
// "quota": {fileSizeQuota, useQuotaDefault, _currentFileSizeQuota}) and `PUT /user/{id}/quota`
// (admins; `policy` a JSON object, keys not given keep their value; validated whole, nothing
// changes on a 400). preferredAssetstore / fallbackAssetstore are accepted only with values that
// name the one assetstore, and change nothing.
// Thread-safety: handlers are safe to run concurrently.
#pragma once

#include "api/api_context.h"
#include "api/router.h"

namespace tessera {

// Creates a user with its home folders. Girder's rules: login 1+ characters without '@',
// a valid-looking email, a password of at least 6 characters. AlreadyExists for a taken
// login/email.
StatusOr<UserRecord> CreateAccount(MetadataStore& store, UserRecord user, std::string_view password,
                                   bool fast_hash);
// A new token for the user, valid `lifetime_ms`.
StatusOr<TokenRecord> IssueToken(MetadataStore& store, const std::string& user_id,
                                 int64_t lifetime_ms);

class UsersApi {
 public:
  explicit UsersApi(const ApiContext& ctx) : ctx_(ctx) {}
  void Register(Router& router);

 private:
  HandlerResult Login(ApiRequest& r);
  HandlerResult CreateUser(ApiRequest& r);
  HandlerResult UpdateUser(ApiRequest& r);
  HandlerResult GetQuota(ApiRequest& r);
  HandlerResult SetQuota(ApiRequest& r);

  const ApiContext& ctx_;
};

}  // namespace tessera
