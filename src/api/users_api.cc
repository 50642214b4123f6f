#include "api/users_api.h"

#include <chrono>

#include "api/models_json.h"
#include "core/strings.h"
#include "store/passwords.h"

namespace tessera {
namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status ValidateAccount(const UserRecord& u, std::string_view password) {
  if (u.login.empty()) return InvalidArgumentError("Login must not be empty.");
  if (u.login.find('@') != std::string::npos) {
    return InvalidArgumentError("Login may not contain '@'.");
  }
  for (char c : u.login) {
    if (static_cast<unsigned char>(c) <= ' ') {
      return InvalidArgumentError("Login may not contain spaces or control characters.");
    }
  }
  const size_t at = u.email.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= u.email.size()) {
    return InvalidArgumentError("Invalid email address.");
  }
  if (password.size() < 6) {
    return InvalidArgumentError("Password must be at least 6 characters.");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<UserRecord> CreateAccount(MetadataStore& store, UserRecord user, std::string_view password,
                                   bool fast_hash) {
  user.login = ToLower(Trim(user.login));
  user.email = ToLower(Trim(user.email));
  TS_RETURN_IF_ERROR(ValidateAccount(user, password));
  TS_ASSIGN_OR_RETURN(user.password_hash, HashPassword(password, fast_hash));
  TS_ASSIGN_OR_RETURN(UserRecord created, store.CreateUser(std::move(user)));
  for (bool is_public : {true, false}) {
    FolderRecord f;
    f.name = is_public ? "Public" : "Private";
    f.parent_type = ParentType::kUser;
    f.parent_id = created.id;
    f.creator_id = created.id;
    f.access.is_public = is_public;
    f.access.users.push_back({created.id, AccessLevel::kAdmin});
    TS_RETURN_IF_ERROR(store.CreateFolder(std::move(f)).status());
  }
  return created;
}

StatusOr<TokenRecord> IssueToken(MetadataStore& store, const std::string& user_id,
                                 int64_t lifetime_ms) {
  TokenRecord t;
  t.token = RandomSecret(64);
  t.user_id = user_id;
  t.created_ms = WallMs();
  t.expires_ms = t.created_ms + lifetime_ms;
  TS_RETURN_IF_ERROR(store.CreateToken(t));
  return t;
}

HandlerResult UsersApi::Login(ApiRequest& r) {
  // Deferred: argon2id costs tens of milliseconds on purpose; keep it off the I/O threads.
  return Deferred([this, r]() -> ApiResponse {
    const std::string* header = r.Header("authorization");
    if (!header) header = r.Header("girder-authorization");
    if (!header || header->rfind("Basic ", 0) != 0) {
      return ApiResponse::Error(
          UnauthenticatedError("Use HTTP Basic Authentication (login:password)."));
    }
    auto decoded = Base64Decode(Trim(std::string_view(*header).substr(6)));
    const size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      return ApiResponse::Error(InvalidArgumentError("Invalid HTTP Authorization header."));
    }
    const std::string login = decoded->substr(0, colon);
    const std::string password = decoded->substr(colon + 1);
    auto user = ctx_.store->FindUser(login);
    if (!user.ok() && user.status().code() != StatusCode::kNotFound) {
      return ApiResponse::Error(user.status());
    }
    if (!user.ok() || !VerifyPassword(password, user->password_hash)) {
      return ApiResponse::Error(UnauthenticatedError("Login failed."));
    }
    auto token = IssueToken(*ctx_.store, user->id, ctx_.token_ms);
    if (!token.ok()) return ApiResponse::Error(token.status());
    Principal me;
    me.user = std::make_shared<const UserRecord>(*user);
    Json j;
    j["user"] = UserJson(*user, me);
    j["authToken"] = TokenJson(*token);
    ApiResponse resp = ApiResponse::Json(j);
    resp.headers.emplace_back("Set-Cookie", "girderToken=" + token->token +
                                                "; Path=/; SameSite=Strict; Max-Age=" +
                                                std::to_string(ctx_.token_ms / 1000));
    return resp;
  });
}

HandlerResult UsersApi::CreateUser(ApiRequest& r) {
  return Deferred([this, r]() -> ApiResponse {
    auto who = ctx_.auth->Authenticate(r);
    if (!who.ok()) return ApiResponse::Error(who.status());
    if (!ctx_.open_registration && !who->admin()) {
      return ApiResponse::Error(
          PermissionDeniedError("Registration on this server is open to administrators only."));
    }
    UserRecord u;
    for (const char* name : {"login", "email", "firstName", "lastName", "password"}) {
      if (!r.Query(name)) {
        return ApiResponse::Error(
            InvalidArgumentError("Parameter '" + std::string(name) + "' is required."));
      }
    }
    u.login = *r.Query("login");
    u.email = *r.Query("email");
    u.first_name = *r.Query("firstName");
    u.last_name = *r.Query("lastName");
    if (const std::string* a = r.Query("admin"); a && ParseBool(*a).value_or(false)) {
      if (!who->admin()) {
        return ApiResponse::Error(
            PermissionDeniedError("Only administrators may create administrators."));
      }
      u.admin = true;
    }
    auto created = CreateAccount(*ctx_.store, u, *r.Query("password"), ctx_.fast_password_hash);
    if (!created.ok()) {
      if (created.status().code() == StatusCode::kAlreadyExists) {
        return ApiResponse::Error(
            InvalidArgumentError("That login or email is already registered."));
      }
      return ApiResponse::Error(created.status());
    }
    Principal me;
    me.user = std::make_shared<const UserRecord>(*created);
    Json j = UserJson(*created, who->admin() ? *who : me);
    if (who->anonymous()) {  // self-registration logs the new user in
      auto token = IssueToken(*ctx_.store, created->id, ctx_.token_ms);
      if (!token.ok()) return ApiResponse::Error(token.status());
      j["authToken"] = TokenJson(*token);
    }
    return ApiResponse::Json(j);
  });
}

HandlerResult UsersApi::UpdateUser(ApiRequest& r) {
  return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
    TS_RETURN_IF_ERROR(Auth::RequireUser(who));
    const std::string& id = r.PathParam("id");
    if (!who.admin() && who.user_id() != id)
      return Auth::Denied(who, AccessLevel::kWrite, "user", id);
    TS_ASSIGN_OR_RETURN(UserRecord u, ctx_.store->GetUser(id));
    if (const std::string* v = r.Query("firstName")) u.first_name = *v;
    if (const std::string* v = r.Query("lastName")) u.last_name = *v;
    if (const std::string* v = r.Query("email")) u.email = ToLower(Trim(*v));
    if (const std::string* v = r.Query("admin")) {
      auto b = ParseBool(*v);
      if (!b) return InvalidArgumentError("Invalid value for admin: \"" + *v + "\".");
      if (*b != u.admin) {
        TS_RETURN_IF_ERROR(Auth::RequireAdmin(who));
        u.admin = *b;
      }
    }
    TS_RETURN_IF_ERROR(ctx_.store->UpdateUser(u));
    ctx_.auth->ForgetAll();  // cached principals carry the old record
    return ApiResponse::Json(UserJson(u, who));
  });
}

void UsersApi::Register(Router& router) {
  router.Add("GET", "/api/v1/user/authentication", [this](ApiRequest& r) { return Login(r); });
  router.Add("POST", "/api/v1/user/authentication", [this](ApiRequest& r) { return Login(r); });
  router.Add("DELETE", "/api/v1/user/authentication", [this](ApiRequest& r) -> HandlerResult {
    const std::string token = Auth::TokenOf(r);
    if (!token.empty()) {
      Status s = ctx_.store->DeleteToken(token);
      if (!s.ok() && s.code() != StatusCode::kNotFound) return ApiResponse::Error(s);
      ctx_.auth->ForgetToken(token);
    }
    ApiResponse resp = ApiResponse::Json(Json{{"message", "Logged out."}});
    resp.headers.emplace_back("Set-Cookie", "girderToken=; Path=/; Max-Age=0; SameSite=Strict");
    return resp;
  });
  router.Add("GET", "/api/v1/user/me", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      if (who.anonymous()) return ApiResponse::Json(Json(nullptr));
      return ApiResponse::Json(UserJson(*who.user, who));
    });
  });
  router.Add("GET", "/api/v1/token/current", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      if (who.anonymous()) return ApiResponse::Json(Json(nullptr));
      Json j;
      j["_id"] = who.token;
      j["_modelType"] = "token";
      j["userId"] = who.user_id();
      return ApiResponse::Json(j);
    });
  });
  router.Add("PUT", "/api/v1/user/password", [this](ApiRequest& r) -> HandlerResult {
    return Deferred([this, r]() -> ApiResponse {
      auto who = ctx_.auth->Authenticate(r);
      if (!who.ok()) return ApiResponse::Error(who.status());
      if (Status s = Auth::RequireUser(*who); !s.ok()) return ApiResponse::Error(s);
      const std::string* old_pw = r.Query("old");
      const std::string* new_pw = r.Query("new");
      if (!old_pw || !new_pw) {
        return ApiResponse::Error(InvalidArgumentError("Parameters 'old' and 'new' are required."));
      }
      auto user = ctx_.store->GetUser(who->user_id());
      if (!user.ok()) return ApiResponse::Error(user.status());
      if (!VerifyPassword(*old_pw, user->password_hash)) {
        return ApiResponse::Error(PermissionDeniedError("Old password is incorrect."));
      }
      if (new_pw->size() < 6) {
        return ApiResponse::Error(InvalidArgumentError("Password must be at least 6 characters."));
      }
      auto hash = HashPassword(*new_pw, ctx_.fast_password_hash);
      if (!hash.ok()) return ApiResponse::Error(hash.status());
      user->password_hash = *hash;
      if (Status s = ctx_.store->UpdateUser(*user); !s.ok()) return ApiResponse::Error(s);
      return ApiResponse::Json(Json{{"message", "Password changed."}});
    });
  });
  router.Add("GET", "/api/v1/user", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_RETURN_IF_ERROR(Auth::RequireUser(who));
      TS_ASSIGN_OR_RETURN(ListQuery q, ListQueryParam(r));
      if (!r.Query("sort")) q.sort = "login";
      TS_ASSIGN_OR_RETURN(std::vector<UserRecord> users, ctx_.store->ListUsers(q));
      Json j = Json::array();
      for (const UserRecord& u : users) j.push_back(UserJson(u, who));
      return ApiResponse::Json(j);
    });
  });
  router.Add("POST", "/api/v1/user", [this](ApiRequest& r) { return CreateUser(r); });
  router.Add("GET", "/api/v1/user/{id}", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_RETURN_IF_ERROR(Auth::RequireUser(who));
      TS_ASSIGN_OR_RETURN(UserRecord u, ctx_.store->GetUser(r.PathParam("id")));
      return ApiResponse::Json(UserJson(u, who));
    });
  });
  router.Add("PUT", "/api/v1/user/{id}", [this](ApiRequest& r) { return UpdateUser(r); });
  router.Add("DELETE", "/api/v1/user/{id}", [this](ApiRequest& r) -> HandlerResult {
    return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
      TS_RETURN_IF_ERROR(Auth::RequireAdmin(who));
      const std::string& id = r.PathParam("id");
      TS_ASSIGN_OR_RETURN(UserRecord u, ctx_.store->GetUser(id));
      std::vector<std::string> removed;
      TS_RETURN_IF_ERROR(ctx_.store->DeleteUser(id, &removed));
      for (const std::string& path : removed) ctx_.assetstore->Remove(path).IgnoreError();
      ctx_.auth->ForgetAll();
      return ApiResponse::Json(Json{{"message", "Deleted user " + u.login + "."}});
    });
  });
  router.Add("PUT", "/api/v1/user/{id}/password", [this](ApiRequest& r) -> HandlerResult {
    return Deferred([this, r]() -> ApiResponse {
      auto who = ctx_.auth->Authenticate(r);
      if (!who.ok()) return ApiResponse::Error(who.status());
      if (Status s = Auth::RequireAdmin(*who); !s.ok()) return ApiResponse::Error(s);
      const std::string* pw = r.Query("password");
      if (!pw || pw->size() < 6) {
        return ApiResponse::Error(InvalidArgumentError("Password must be at least 6 characters."));
      }
      auto user = ctx_.store->GetUser(r.PathParam("id"));
      if (!user.ok()) return ApiResponse::Error(user.status());
      auto hash = HashPassword(*pw, ctx_.fast_password_hash);
      if (!hash.ok()) return ApiResponse::Error(hash.status());
      user->password_hash = *hash;
      if (Status s = ctx_.store->UpdateUser(*user); !s.ok()) return ApiResponse::Error(s);
      return ApiResponse::Json(Json{{"message", "Password changed."}});
    });
  });
}

}  // namespace tessera
