#include "api/users_api.h"

#include <chrono>

#include <cmath>
#include <limits>

#include "api/assetstore_api.h"
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

// --- Girder's user_quota policy

constexpr char kValidPolicyKeys[] =
    "fallbackAssetstore, fileSizeQuota, preferredAssetstore, useQuotaDefault";

// fileSizeQuota: blank / null (none) or a non-negative integer, as a JSON number or a string of
// digits. Stricter than Girder's int(): no booleans, no fractions, nothing past 2^63.
StatusOr<std::optional<int64_t>> ParseFileSizeQuota(const nlohmann::ordered_json& v) {
  const Status invalid = InvalidArgumentError(
      "Invalid quota.  Must be blank or a non-negative integer representing the limit in bytes.");
  if (v.is_null() || (v.is_string() && v.get<std::string>().empty())) return std::nullopt;
  if (v.is_number_unsigned()) {
    const uint64_t n = v.get<uint64_t>();
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return invalid;
    return static_cast<int64_t>(n);
  }
  if (v.is_number_integer()) {
    const int64_t n = v.get<int64_t>();
    if (n < 0) return invalid;
    return n;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!(d >= 0) || d != std::floor(d) || d >= 9.2e18) return invalid;
    return static_cast<int64_t>(d);
  }
  if (v.is_string()) {
    auto n = ParseInt(Trim(v.get<std::string>()));
    if (!n || *n < 0) return invalid;
    return *n;
  }
  return invalid;
}

// useQuotaDefault: Girder's str(value).lower() in none/true/yes/1 or false/no/0.
StatusOr<bool> ParseUseQuotaDefault(const nlohmann::ordered_json& v) {
  if (v.is_null()) return true;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer() || v.is_number_unsigned()) {
    if (v == 1) return true;
    if (v == 0) return false;
  }
  if (v.is_string()) {
    const std::string s = ToLower(v.get<std::string>());
    if (s == "none" || s == "true" || s == "yes" || s == "1") return true;
    if (s == "false" || s == "no" || s == "0") return false;
  }
  return InvalidArgumentError("Invalid useQuotaDefault.  Must either be true or false.");
}

// preferredAssetstore / fallbackAssetstore: Tessera has one assetstore, so the only honest values
// are the ones that name it (blank, "current" or its id) and, for the fallback, "none" (no
// fallback: the current assetstore is always there). They change nothing and are not stored.
Status CheckAssetstoreKey(const std::string& key, const nlohmann::ordered_json& v) {
  if (v.is_null()) return Status::Ok();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.empty() || s == "current" || s == kAssetstoreId) return Status::Ok();
    if (s == "none" && key == "fallbackAssetstore") return Status::Ok();
  }
  return InvalidArgumentError(
      "Invalid " + key + ".  This server has one assetstore (" + kAssetstoreId +
      "): it must be "
      "blank, \"current\" or that id" +
      (key == "fallbackAssetstore" ? std::string(", or \"none\".") : std::string(".")));
}

// The `policy` parameter of PUT /user/{id}/quota, validated whole before anything changes.
// Keys starting with "_" are ignored (Girder drops them: GET's _currentFileSizeQuota may come
// back). A refused value names its key in `bad_key`.
StatusOr<QuotaPolicyChange> ParseQuotaPolicy(const std::string& text, std::string* bad_key) {
  nlohmann::ordered_json policy = nlohmann::ordered_json::parse(text, nullptr, false);
  if (policy.is_discarded()) return InvalidArgumentError("Parameter policy must be valid JSON.");
  if (!policy.is_object()) return InvalidArgumentError("Parameter policy must be a JSON object.");
  QuotaPolicyChange change;
  for (const auto& [key, value] : policy.items()) {
    if (!key.empty() && key.front() == '_') continue;
    Status s = Status::Ok();
    if (key == "fileSizeQuota") {
      auto quota = ParseFileSizeQuota(value);
      s = quota.status();
      if (quota.ok()) {
        change.set_file_size_quota = true;
        change.file_size_quota = *quota;
      }
    } else if (key == "useQuotaDefault") {
      auto use = ParseUseQuotaDefault(value);
      s = use.status();
      if (use.ok()) change.use_quota_default = *use;
    } else if (key == "preferredAssetstore" || key == "fallbackAssetstore") {
      s = CheckAssetstoreKey(key, value);
    } else {
      return InvalidArgumentError(key + " is not a valid quota policy key.  Valid keys are " +
                                  kValidPolicyKeys + ".");
    }
    if (!s.ok()) {
      *bad_key = key;
      return s;
    }
  }
  return change;
}

// GET /user/{id} plus Girder's "quota" field: the stored policy, and with `current` the limit
// that applies now (null: none).
Json UserQuotaJson(const UserRecord& u, const Principal& viewer, const QuotaPolicy& p,
                   const std::optional<std::optional<int64_t>>& current) {
  Json j = UserJson(u, viewer);
  Json quota = Json::object();
  quota["fileSizeQuota"] = p.file_size_quota ? Json(*p.file_size_quota) : Json(nullptr);
  quota["useQuotaDefault"] = p.use_quota_default;
  if (current) quota["_currentFileSizeQuota"] = *current ? Json(**current) : Json(nullptr);
  j["quota"] = std::move(quota);
  return j;
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

HandlerResult UsersApi::GetQuota(ApiRequest& r) {
  return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
    // Girder: ADMIN access on the user, which users have on themselves.
    const std::string& id = r.PathParam("id");
    if (!who.admin() && (who.anonymous() || who.user_id() != id)) {
      return Auth::Denied(who, AccessLevel::kAdmin, "user", id);
    }
    TS_ASSIGN_OR_RETURN(UserRecord u, ctx_.store->GetUser(id));
    TS_ASSIGN_OR_RETURN(QuotaPolicy p, ctx_.store->GetUserQuota(id));
    return ApiResponse::Json(
        UserQuotaJson(u, who, p, EffectiveFileSizeQuota(p, u.admin, ctx_.user_quota_bytes)));
  });
}

HandlerResult UsersApi::SetQuota(ApiRequest& r) {
  return WithCaller(*ctx_.auth, r, [&](const Principal& who) -> StatusOr<ApiResponse> {
    TS_RETURN_IF_ERROR(Auth::RequireAdmin(who));
    TS_ASSIGN_OR_RETURN(UserRecord u, ctx_.store->GetUser(r.PathParam("id")));
    TS_ASSIGN_OR_RETURN(std::string text, RequiredParam(r, "policy"));
    std::string bad_key;
    auto change = ParseQuotaPolicy(text, &bad_key);
    if (!change.ok() && !bad_key.empty()) {
      // Girder's RestException(extra=key); "field" as Tessera's other validation refusals.
      return ApiResponse::Json(Json{{"message", change.status().message()},
                                    {"type", "rest"},
                                    {"extra", bad_key},
                                    {"field", bad_key}},
                               400);
    }
    TS_RETURN_IF_ERROR(change.status());
    TS_ASSIGN_OR_RETURN(QuotaPolicy p, ctx_.store->UpdateUserQuota(u.id, *change));
    return ApiResponse::Json(UserQuotaJson(u, who, p, std::nullopt));
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
  router.Add("GET", "/api/v1/user/{id}/quota", [this](ApiRequest& r) { return GetQuota(r); });
  router.Add("PUT", "/api/v1/user/{id}/quota", [this](ApiRequest& r) { return SetQuota(r); });
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
