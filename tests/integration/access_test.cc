// Access control across every route family: anonymous / owner / other user / admin × public /
// private items. No route may leak a private item, its tiles, thumbnails, files or metadata;
// lists never show what the caller may not read. Also logins, tokens and user management.
#include <filesystem>
#include <fstream>
#include <set>

#include "core/strings.h"
#include "integration/server_fixture.h"
#include "testing/images.h"
#include "testing/reference.h"

namespace tessera {
namespace {

using Json = nlohmann::json;

class AccessTest : public ServerFixture {
 protected:
  // A generated PNG (libvips-encoded) imported into `folder_id` as `owner`.
  std::string ImportPng(const std::string& folder_id, const std::string& owner,
                        const std::string& name) {
    const std::string path = dir_->path() + "/" + name;
    std::ofstream(path, std::ios::binary) << VipsEncode(Smooth(300, 200, 3), ".png");
    ImportOptions options;
    options.folder_id = folder_id;
    options.creator_id = owner;
    std::string id;
    Status s = ImportPaths(app().store(), app().registry(), {path}, options,
                           [&](const ImportResult& r) { id = r.item.id; });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return id;
  }
  std::string HomeFolder(const std::string& user_id, const std::string& token,
                         const std::string& name) {
    Json folders = CallJson("GET", "/api/v1/folder?parentType=user&parentId=" + user_id, token);
    for (const auto& f : folders) {
      if (f["name"] == name) return f["_id"];
    }
    ADD_FAILURE() << "no home folder " << name << " in " << folders.dump();
    return "";
  }
};

// Every read route of an item (and its file).
std::vector<std::string> ReadRoutes(const std::string& id, const std::string& file_id) {
  const std::string t = "/api/v1/item/" + id + "/tiles";
  return {"/api/v1/item/" + id,
          t,
          t + "/zxy/0/0/0",
          t + "/fzxy/0/0/0/0",
          t + "/thumbnail?width=64",
          t + "/region?width=32&encoding=PNG",
          t + "/pixel?left=1&top=1",
          t + "/histogram?width=64",
          t + "/bands",
          t + "/images",
          t + "/internal_metadata",
          t + "/tile_frames?width=32",
          t + "/tile_frames/quad_info",
          t + "/dzi.dzi",
          t + "/dzi_files/9/0_0.jpeg",
          "/iiif/3/" + id + "/info.json",
          "/iiif/3/" + id + "/full/max/0/default.jpg",
          "/api/v1/item/" + id + "/files",
          "/api/v1/item/" + id + "/download",
          "/api/v1/file/" + file_id,
          "/api/v1/file/" + file_id + "/download"};
}

TEST_F(AccessTest, NoRouteLeaksAPrivateItem) {
  auto [owner_id, owner] = CreateUser("owner");
  auto [other_id, other] = CreateUser("other");
  ASSERT_FALSE(owner.empty());
  ASSERT_FALSE(other.empty());
  const std::string admin = AdminToken();
  const std::string private_folder = HomeFolder(owner_id, owner, "Private");
  const std::string public_folder = HomeFolder(owner_id, owner, "Public");
  const std::string secret = ImportPng(private_folder, owner_id, "secret.png");
  const std::string open = ImportPng(public_folder, owner_id, "open.png");
  ASSERT_FALSE(secret.empty());
  ASSERT_FALSE(open.empty());
  auto file_of = [&](const std::string& item) {
    Json files = CallJson("GET", "/api/v1/item/" + item + "/files", admin);
    return files.empty() ? std::string() : files[0]["_id"].get<std::string>();
  };
  struct Who {
    const char* name;
    std::string token;
    bool reads_private;
  };
  const Who callers[] = {{"anonymous", "", false},
                         {"other", other, false},
                         {"owner", owner, true},
                         {"admin", admin, true}};
  for (const std::string& item : {secret, open}) {
    const bool is_private = item == secret;
    for (const std::string& route : ReadRoutes(item, file_of(item))) {
      for (const Who& who : callers) {
        HttpResult r = Call("GET", route, who.token);
        if (!is_private || who.reads_private) {
          EXPECT_EQ(r.status / 100, 2) << who.name << " GET " << route << ": " << r.body;
        } else {
          EXPECT_EQ(r.status, who.token.empty() ? 401 : 403)
              << who.name << " GET " << route << ": " << r.body;
          // The error says nothing about the image.
          EXPECT_EQ(r.Header("content-type"), "application/json") << route;
          Json j = Json::parse(r.body, nullptr, false);
          EXPECT_EQ(j["type"], "access") << route << ": " << r.body;
        }
      }
    }
    // The cookie the web page uses counts like the header.
    HttpResult cookie = client_->Get("/api/v1/item/" + item + "/tiles/thumbnail",
                                     {{"Cookie", "a=b; girderToken=" + owner}});
    EXPECT_EQ(cookie.status, 200) << cookie.body;
    // Writes: only those with WRITE (owner, admin); the public item is read-only to others.
    for (const Who& who : callers) {
      HttpResult w = Call("PUT", "/api/v1/item/" + item + "?description=x", who.token);
      if (who.reads_private) {
        EXPECT_EQ(w.status, 200) << who.name << ": " << w.body;
      } else {
        EXPECT_EQ(w.status, who.token.empty() ? 401 : 403) << who.name << ": " << w.body;
      }
      HttpResult m = Call("PUT", "/api/v1/item/" + item + "/metadata", who.token, R"({"k": 1})",
                          {{"Content-Type", "application/json"}});
      EXPECT_EQ(m.status / 100 == 2, who.reads_private) << who.name << ": " << m.body;
    }
  }
  // Lists: the private item and folder are invisible to anonymous and other users.
  for (const Who& who : callers) {
    Json found = CallJson("GET", "/api/v1/item?text=.png", who.token);
    bool saw_secret = false, saw_open = false;
    for (const auto& i : found) {
      saw_secret |= i["_id"] == secret;
      saw_open |= i["_id"] == open;
    }
    EXPECT_EQ(saw_secret, who.reads_private) << who.name;
    EXPECT_TRUE(saw_open) << who.name;
    Json folders =
        CallJson("GET", "/api/v1/folder?parentType=user&parentId=" + owner_id, who.token);
    bool saw_private = false;
    for (const auto& f : folders) saw_private |= f["_id"] == private_folder;
    EXPECT_EQ(saw_private, who.reads_private) << who.name;
    HttpResult in_private = Call("GET", "/api/v1/item?folderId=" + private_folder, who.token);
    EXPECT_EQ(in_private.status / 100 == 2, who.reads_private) << who.name;
    HttpResult folder = Call("GET", "/api/v1/folder/" + private_folder, who.token);
    EXPECT_EQ(folder.status / 100 == 2, who.reads_private) << who.name;
  }
  // Granting READ to `other` opens the private folder to them (and only READ).
  Json access = {{"users", {{{"id", owner_id}, {"level", 2}}, {{"id", other_id}, {"level", 0}}}}};
  HttpResult grant =
      Call("PUT", "/api/v1/folder/" + private_folder + "/access?access=" + UrlEncode(access.dump()),
           owner);
  ASSERT_EQ(grant.status, 200) << grant.body;
  EXPECT_EQ(Call("GET", "/api/v1/item/" + secret + "/tiles/zxy/0/0/0", other).status, 200);
  EXPECT_EQ(Call("PUT", "/api/v1/item/" + secret + "?name=y", other).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/item/" + secret + "/tiles/zxy/0/0/0", "").status, 401);
  // Only ADMIN on the folder may change its access.
  EXPECT_EQ(Call("PUT",
                 "/api/v1/folder/" + private_folder +
                     "/access?public=true&access=" + UrlEncode(access.dump()),
                 other)
                .status,
            403);
}

TEST_F(AccessTest, LoginTokensAndLogout) {
  // Wrong password, unknown user, malformed header: 401 in Girder's shape.
  HttpResult bad = client_->Get("/api/v1/user/authentication",
                                {{"Authorization", "Basic YWRtaW46d3Jvbmc="}});  // admin:wrong
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(Json::parse(bad.body)["message"], "Login failed.");
  EXPECT_EQ(client_->Get("/api/v1/user/authentication").status, 401);
  const std::string token = AdminToken();
  ASSERT_EQ(token.size(), 64u);
  Json me = CallJson("GET", "/api/v1/user/me", token);
  EXPECT_EQ(me["login"], "admin");
  EXPECT_EQ(me["admin"], true);
  EXPECT_TRUE(CallJson("GET", "/api/v1/user/me", "").is_null());
  // Query-parameter token.
  EXPECT_EQ(GetJson("/api/v1/user/me?token=" + token)["login"], "admin");
  // An unknown token is an error, not anonymous.
  HttpResult unknown = Call("GET", "/api/v1/user/me", std::string(64, 'x'));
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(Json::parse(unknown.body)["message"], "Invalid token.");
  // Logout ends the token at once.
  EXPECT_EQ(Call("DELETE", "/api/v1/user/authentication", token).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/user/me", token).status, 401);
  admin_token_.clear();
  // The cookie is not honoured for writes (cross-site requests).
  const std::string fresh = AdminToken();
  HttpResult cookie_write = client_->Request("POST", "/api/v1/collection?name=viacookie",
                                             {{"Cookie", "girderToken=" + fresh}});
  EXPECT_EQ(cookie_write.status, 401) << cookie_write.body;
}

TEST_F(AccessTest, UsersAreCreatedByAdminsWithHomeFolders) {
  auto [id, token] = CreateUser("alice");
  ASSERT_FALSE(token.empty());
  Json folders = CallJson("GET", "/api/v1/folder?parentType=user&parentId=" + id, token);
  std::set<std::string> names;
  for (const auto& f : folders) names.insert(f["name"]);
  EXPECT_EQ(names, (std::set<std::string>{"Private", "Public"}));
  // Registration is closed by default: a user cannot create users, anonymous neither.
  const std::string q =
      "/api/v1/user?login=bob&email=bob@example.org&firstName=B&lastName=B&password=secret1";
  EXPECT_EQ(Call("POST", q, token).status, 403);
  EXPECT_EQ(Call("POST", q, "").status, 403);
  // Duplicates and bad values are 400 with a message.
  HttpResult dup = Call("POST",
                        "/api/v1/user?login=ALICE&email=x@example.org&firstName=A&lastName=A&"
                        "password=secret1",
                        AdminToken());
  EXPECT_EQ(dup.status, 400) << dup.body;
  EXPECT_EQ(Call("POST",
                 "/api/v1/user?login=carol&email=carol@example.org&firstName=C&lastName=C&"
                 "password=123",
                 AdminToken())
                .status,
            400);
  // Emails are private to the user and admins.
  Json seen_by_self = CallJson("GET", "/api/v1/user/" + id, token);
  EXPECT_EQ(seen_by_self["email"], "alice@example.org");
  auto [bob_id, bob] = CreateUser("bob");
  Json seen_by_bob = CallJson("GET", "/api/v1/user/" + id, bob);
  EXPECT_FALSE(seen_by_bob.contains("email"));
  // Only admins make admins or delete users.
  EXPECT_EQ(Call("PUT", "/api/v1/user/" + id + "?admin=true", token).status, 403);
  EXPECT_EQ(Call("DELETE", "/api/v1/user/" + bob_id, token).status, 403);
  EXPECT_EQ(Call("DELETE", "/api/v1/user/" + bob_id, AdminToken()).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/user/me", bob).status, 401);  // its tokens went with it
}

TEST_F(AccessTest, FoldersAndItemsCrud) {
  auto [uid, token] = CreateUser("dora");
  const std::string home = HomeFolder(uid, token, "Private");
  Json f =
      CallJson("POST", "/api/v1/folder?parentType=folder&parentId=" + home + "&name=Study", token);
  const std::string study = f["_id"];
  EXPECT_EQ(f["baseParentType"], "user");
  EXPECT_EQ(f["public"], false);  // the parent's access
  EXPECT_EQ(Call("POST", "/api/v1/folder?parentType=folder&parentId=" + home + "&name=Study", token)
                .status,
            400);  // the name is taken
  for (int i = 0; i < 5; ++i) {
    CallJson("POST", "/api/v1/item?folderId=" + study + "&name=slide" + std::to_string(i) + ".svs",
             token);
  }
  Json page = CallJson("GET", "/api/v1/item?folderId=" + study + "&limit=2&offset=1", token);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0]["name"], "slide1.svs");
  Json desc = CallJson("GET", "/api/v1/item?folderId=" + study + "&sort=name&sortdir=-1", token);
  EXPECT_EQ(desc[0]["name"], "slide4.svs");
  EXPECT_EQ(Call("GET", "/api/v1/item?folderId=" + study + "&sort=bogus", token).status, 400);
  const std::string item = page[0]["_id"];
  // The path to the root: the user, then each folder down to the parent (the item's folder too).
  Json root = CallJson("GET", "/api/v1/item/" + item + "/rootpath", token);
  ASSERT_EQ(root.size(), 3u) << root.dump();
  EXPECT_EQ(root[0]["type"], "user");
  EXPECT_EQ(root[0]["object"]["login"], "dora");
  EXPECT_EQ(root[1]["type"], "folder");
  EXPECT_EQ(root[1]["object"]["_id"], home);
  EXPECT_EQ(root[2]["object"]["_id"], study);
  Json folder_root = CallJson("GET", "/api/v1/folder/" + study + "/rootpath", token);
  ASSERT_EQ(folder_root.size(), 2u);
  EXPECT_EQ(folder_root[1]["object"]["name"], "Private");
  EXPECT_EQ(Call("GET", "/api/v1/folder/" + study + "/rootpath", "").status, 401);
  Json meta = CallJson("PUT", "/api/v1/item/" + item + "/metadata", token, 200,
                       R"({"stain": "H&E", "n": 3})");
  EXPECT_EQ(meta["meta"]["stain"], "H&E");
  meta = CallJson("PUT", "/api/v1/item/" + item + "/metadata", token, 200, R"({"n": null})");
  EXPECT_FALSE(meta["meta"].contains("n"));
  EXPECT_EQ(Call("PUT", "/api/v1/item/" + item + "/metadata", token, R"({"a.b": 1})").status, 400);
  EXPECT_EQ(Call("PUT", "/api/v1/item/" + item + "/metadata", token, "not json").status, 400);
  // Moving an item needs WRITE on the destination.
  auto [eve_id, eve] = CreateUser("eve");
  const std::string eve_home = HomeFolder(eve_id, eve, "Private");
  EXPECT_EQ(Call("GET", "/api/v1/item/" + item + "/rootpath", eve).status, 403);
  EXPECT_EQ(Call("PUT", "/api/v1/item/" + item + "?folderId=" + eve_home, token).status, 403);
  const std::string pub = HomeFolder(uid, token, "Public");
  Json moved = CallJson("PUT", "/api/v1/item/" + item + "?folderId=" + pub, token);
  EXPECT_EQ(moved["folderId"], pub);
  EXPECT_EQ(Call("GET", "/api/v1/item/" + item, "").status, 200);  // now public
  // Deleting the folder deletes what it holds.
  const std::string other_item = page[1]["_id"];
  EXPECT_EQ(Call("DELETE", "/api/v1/folder/" + study, token).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/item/" + other_item, token).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/item/" + item, token).status, 200);
  // Malformed ids are 400, unknown ones 404.
  EXPECT_EQ(Call("GET", "/api/v1/item/nothex", token).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/folder/0123456789abcdef01234567", token).status, 404);
}

}  // namespace
}  // namespace tessera
