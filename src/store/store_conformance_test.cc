// Conformance: users, tokens, collections, folders and access filters.
#include "store/store_conformance_test.h"

#include <gmock/gmock.h>

#include <algorithm>

namespace tessera {

using testing::ElementsAre;
using testing::UnorderedElementsAre;

void StoreConformanceTest::SetUp() {
  store_ = GetParam().make();
  ASSERT_NE(store_, nullptr);
}

UserRecord StoreConformanceTest::AddUser(const std::string& login) {
  UserRecord u;
  u.login = login;
  u.email = login + "@example.org";
  u.first_name = "First " + login;
  u.last_name = "Last " + login;
  auto r = store_->CreateUser(u);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : u;
}

CollectionRecord StoreConformanceTest::AddCollection(const std::string& name, bool is_public,
                                                     const std::vector<AccessGrant>& grants) {
  CollectionRecord c;
  c.name = name;
  c.access.is_public = is_public;
  c.access.users = grants;
  auto r = store_->CreateCollection(c);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : c;
}

FolderRecord StoreConformanceTest::AddFolder(ParentType parent_type, const std::string& parent_id,
                                             const std::string& name, const AccessList& access) {
  FolderRecord f;
  f.name = name;
  f.parent_type = parent_type;
  f.parent_id = parent_id;
  f.access = access;
  auto r = store_->CreateFolder(f);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : f;
}

ItemRecord StoreConformanceTest::AddItem(const std::string& folder_id, const std::string& name,
                                         int64_t created_ms) {
  ItemRecord i;
  i.name = name;
  i.folder_id = folder_id;
  i.created_ms = created_ms;
  auto r = store_->CreateItem(i);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : i;
}

FileRecord StoreConformanceTest::AddFile(const std::string& item_id, int64_t size,
                                         const std::string& path, bool imported) {
  FileRecord f;
  f.item_id = item_id;
  f.name = path.substr(path.find_last_of('/') + 1);
  f.size = size;
  f.path = path;
  f.imported = imported;
  auto r = store_->CreateFile(f);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : f;
}

namespace {

constexpr char kMissingId[] = "0123456789abcdef01234567";

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

// --- users

TEST_P(StoreConformanceTest, UserCreateGetFind) {
  UserRecord u;
  u.login = "Alice";
  u.email = "Alice@Example.ORG";
  u.first_name = "Alice";
  u.last_name = "Liddell";
  u.password_hash = "hash";
  u.admin = true;
  auto created = store_->CreateUser(u);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(IsObjectId(created->id));
  EXPECT_EQ(created->login, "alice");
  EXPECT_EQ(created->email, "alice@example.org");
  EXPECT_GT(created->created_ms, 0);

  auto got = store_->GetUser(created->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->login, "alice");
  EXPECT_EQ(got->first_name, "Alice");
  EXPECT_EQ(got->last_name, "Liddell");
  EXPECT_EQ(got->password_hash, "hash");
  EXPECT_TRUE(got->admin);
  EXPECT_EQ(got->created_ms, created->created_ms);

  EXPECT_EQ(store_->FindUser("ALICE")->id, created->id);
  EXPECT_EQ(store_->FindUser("alice@EXAMPLE.org")->id, created->id);
  EXPECT_EQ(store_->FindUser("bob").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->FindUser("").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetUser(kMissingId).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetUser("bogus").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*store_->CountUsers(), 1);
}

TEST_P(StoreConformanceTest, UserLoginAndEmailAreUniqueIgnoringCase) {
  AddUser("alice");
  UserRecord same_login;
  same_login.login = "ALICE";
  same_login.email = "other@example.org";
  auto r = store_->CreateUser(same_login);
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r.status().message(), "That login is already registered.");

  UserRecord same_email;
  same_email.login = "alice2";
  same_email.email = "ALICE@example.org";
  r = store_->CreateUser(same_email);
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r.status().message(), "That email is already registered.");

  UserRecord no_login;
  EXPECT_EQ(store_->CreateUser(no_login).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*store_->CountUsers(), 1);
}

TEST_P(StoreConformanceTest, UserUpdate) {
  UserRecord alice = AddUser("alice");
  UserRecord bob = AddUser("bob");
  alice.first_name = "Alicia";
  alice.email = "NEW@example.org";
  alice.admin = true;
  ASSERT_TRUE(store_->UpdateUser(alice).ok());
  auto got = store_->GetUser(alice.id);
  EXPECT_EQ(got->first_name, "Alicia");
  EXPECT_EQ(got->email, "new@example.org");
  EXPECT_TRUE(got->admin);
  EXPECT_EQ(store_->FindUser("new@example.org")->id, alice.id);

  bob.login = "Alice";
  EXPECT_EQ(store_->UpdateUser(bob).code(), StatusCode::kAlreadyExists);
  bob.login = "bob";
  bob.email = "new@EXAMPLE.org";
  EXPECT_EQ(store_->UpdateUser(bob).code(), StatusCode::kAlreadyExists);
  UserRecord ghost = bob;
  ghost.id = kMissingId;
  ghost.login = "ghost";
  ghost.email = "ghost@example.org";
  EXPECT_EQ(store_->UpdateUser(ghost).code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, UserList) {
  for (const char* login : {"carol", "alice", "bob", "dave"}) AddUser(login);
  ListQuery q;
  q.sort = "login";
  EXPECT_EQ(store_->ListUsers(q)->size(), 4u);
  std::vector<std::string> logins;
  auto users = store_->ListUsers(q);
  for (const auto& u : *users) logins.push_back(u.login);
  EXPECT_THAT(logins, ElementsAre("alice", "bob", "carol", "dave"));
  q.limit = 2;
  q.offset = 1;
  q.descending = true;
  logins.clear();
  users = store_->ListUsers(q);
  for (const auto& u : *users) logins.push_back(u.login);
  EXPECT_THAT(logins, ElementsAre("carol", "bob"));
  ListQuery text;
  text.text = "AR";  // carol's login
  ASSERT_EQ(store_->ListUsers(text)->size(), 1u);
  EXPECT_EQ(store_->ListUsers(text)->front().login, "carol");
  ListQuery bad;
  bad.sort = "password_hash";
  EXPECT_EQ(store_->ListUsers(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, DeleteUserTakesTokensGrantsAndHomeFolders) {
  UserRecord alice = AddUser("alice");
  UserRecord bob = AddUser("bob");
  ASSERT_TRUE(store_->CreateToken({"tok-alice", alice.id, 0, 1000}).ok());
  ASSERT_TRUE(store_->CreateToken({"tok-bob", bob.id, 0, 1000}).ok());
  FolderRecord home = AddFolder(ParentType::kUser, alice.id, "Private");
  FolderRecord sub = AddFolder(ParentType::kFolder, home.id, "Sub");
  ItemRecord item = AddItem(sub.id, "slide");
  AddFile(item.id, 10, "/assets/aa/bb/x");
  AddFile(item.id, 10, "/elsewhere/imported.svs", /*imported=*/true);
  CollectionRecord shared = AddCollection("Shared", false, {{alice.id, AccessLevel::kWrite}});
  FolderRecord bobs = AddFolder(ParentType::kUser, bob.id, "Public");

  std::vector<std::string> removed;
  ASSERT_TRUE(store_->DeleteUser(alice.id, &removed).ok());
  EXPECT_THAT(removed, ElementsAre("/assets/aa/bb/x"));
  EXPECT_EQ(store_->GetUser(alice.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetToken("tok-alice", 0).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetToken("tok-bob", 0).ok());
  EXPECT_EQ(store_->GetFolder(home.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetFolder(sub.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetItem(item.id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetFolder(bobs.id).ok());
  EXPECT_TRUE(store_->GetCollection(shared.id)->access.users.empty());
  EXPECT_EQ(store_->DeleteUser(alice.id, &removed).code(), StatusCode::kNotFound);
}

// --- tokens

TEST_P(StoreConformanceTest, Tokens) {
  UserRecord alice = AddUser("alice");
  ASSERT_TRUE(store_->CreateToken({"t1", alice.id, 5, 100}).ok());
  ASSERT_TRUE(store_->CreateToken({"t2", alice.id, 5, 200}).ok());
  EXPECT_EQ(store_->CreateToken({"t1", alice.id, 5, 100}).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateToken({"t3", kMissingId, 5, 100}).code(), StatusCode::kNotFound);

  auto t = store_->GetToken("t1", 99);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->user_id, alice.id);
  EXPECT_EQ(t->created_ms, 5);
  EXPECT_EQ(t->expires_ms, 100);
  EXPECT_EQ(store_->GetToken("t1", 100).status().code(), StatusCode::kNotFound);  // expired
  EXPECT_EQ(store_->GetToken("nope", 0).status().code(), StatusCode::kNotFound);

  EXPECT_EQ(*store_->DeleteExpiredTokens(150), 1);
  EXPECT_EQ(store_->GetToken("t1", 0).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetToken("t2", 150).ok());
  ASSERT_TRUE(store_->DeleteToken("t2").ok());
  EXPECT_EQ(store_->GetToken("t2", 0).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->DeleteToken("t2").ok());  // already gone: no error
}

// --- collections

TEST_P(StoreConformanceTest, CollectionCrud) {
  UserRecord alice = AddUser("alice");
  CollectionRecord c = AddCollection("Slides", true, {{alice.id, AccessLevel::kAdmin}});
  EXPECT_TRUE(IsObjectId(c.id));
  auto got = store_->GetCollection(c.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "Slides");
  EXPECT_TRUE(got->access.is_public);
  ASSERT_EQ(got->access.users.size(), 1u);
  EXPECT_EQ(got->access.users[0].user_id, alice.id);
  EXPECT_EQ(got->access.users[0].level, AccessLevel::kAdmin);

  CollectionRecord dup;
  dup.name = "Slides";
  auto r = store_->CreateCollection(dup);
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r.status().message(), "A collection with that name already exists.");

  CollectionRecord other = AddCollection("Other", false);
  got->name = "Renamed";
  got->description = "words";
  got->access.is_public = false;
  got->access.users = {{alice.id, AccessLevel::kRead}};
  ASSERT_TRUE(store_->UpdateCollection(*got).ok());
  auto again = store_->GetCollection(c.id);
  EXPECT_EQ(again->name, "Renamed");
  EXPECT_EQ(again->description, "words");
  EXPECT_FALSE(again->access.is_public);
  ASSERT_EQ(again->access.users.size(), 1u);
  EXPECT_EQ(again->access.users[0].level, AccessLevel::kRead);
  other.name = "Renamed";
  EXPECT_EQ(store_->UpdateCollection(other).code(), StatusCode::kAlreadyExists);
  other.id = kMissingId;
  other.name = "Ghost";
  EXPECT_EQ(store_->UpdateCollection(other).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetCollection(kMissingId).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetCollection("xyz").status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, CollectionListHonoursAccess) {
  UserRecord alice = AddUser("alice");
  UserRecord bob = AddUser("bob");
  AddCollection("a-public", true);
  AddCollection("b-alice-read", false, {{alice.id, AccessLevel::kRead}});
  AddCollection("c-alice-admin", false, {{alice.id, AccessLevel::kAdmin}});
  AddCollection("d-bob", false, {{bob.id, AccessLevel::kWrite}});
  AddCollection("e-public", true, {{bob.id, AccessLevel::kAdmin}});

  ListQuery q;
  EXPECT_THAT(Names(*store_->ListCollections(q, AccessFilter{})),
              ElementsAre("a-public", "e-public"));
  EXPECT_THAT(Names(*store_->ListCollections(q, AccessFilter{false, alice.id})),
              ElementsAre("a-public", "b-alice-read", "c-alice-admin", "e-public"));
  EXPECT_THAT(
      Names(*store_->ListCollections(q, AccessFilter{false, alice.id, AccessLevel::kWrite})),
      ElementsAre("c-alice-admin"));
  EXPECT_THAT(Names(*store_->ListCollections(q, AccessFilter{false, bob.id, AccessLevel::kAdmin})),
              ElementsAre("e-public"));
  EXPECT_EQ(store_->ListCollections(q, AccessFilter::All())->size(), 5u);

  // limit and offset count visible rows only.
  q.limit = 2;
  q.offset = 1;
  EXPECT_THAT(Names(*store_->ListCollections(q, AccessFilter{false, alice.id})),
              ElementsAre("b-alice-read", "c-alice-admin"));
  q.offset = 1;
  EXPECT_THAT(Names(*store_->ListCollections(q, AccessFilter{})), ElementsAre("e-public"));
  ListQuery text;
  text.text = "PUBLIC";
  EXPECT_EQ(store_->ListCollections(text, AccessFilter::All())->size(), 2u);
  ListQuery name;
  name.name = "d-bob";
  EXPECT_THAT(Names(*store_->ListCollections(name, AccessFilter::All())), ElementsAre("d-bob"));
  ListQuery desc;
  desc.descending = true;
  desc.limit = 1;
  EXPECT_THAT(Names(*store_->ListCollections(desc, AccessFilter::All())), ElementsAre("e-public"));
  ListQuery bad;
  bad.sort = "name; DROP TABLE users";
  EXPECT_EQ(store_->ListCollections(bad, AccessFilter::All()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, DeleteCollectionCascades) {
  CollectionRecord c = AddCollection("C", true);
  CollectionRecord keep = AddCollection("Keep", true);
  FolderRecord f1 = AddFolder(ParentType::kCollection, c.id, "f1");
  FolderRecord f2 = AddFolder(ParentType::kFolder, f1.id, "f2");
  FolderRecord f3 = AddFolder(ParentType::kCollection, c.id, "f3");
  FolderRecord kept = AddFolder(ParentType::kCollection, keep.id, "f1");
  ItemRecord i1 = AddItem(f2.id, "i1");
  ItemRecord i2 = AddItem(f3.id, "i2");
  ItemRecord i3 = AddItem(kept.id, "i3");
  AddFile(i1.id, 1, "/a/1");
  AddFile(i2.id, 2, "/a/2");
  AddFile(i2.id, 3, "/imported/3", true);
  AddFile(i3.id, 4, "/a/4");
  std::vector<std::string> removed;
  ASSERT_TRUE(
      store_->PutThumbnail({i1.id, "thumb", "image/jpeg", "/a/t1", 5, 1}, 10, &removed).ok());
  ASSERT_TRUE(removed.empty());
  ASSERT_TRUE(store_->DeleteCollection(c.id, &removed).ok());
  EXPECT_THAT(Sorted(removed), ElementsAre("/a/1", "/a/2", "/a/t1"));
  for (const auto& id : {f1.id, f2.id, f3.id}) {
    EXPECT_EQ(store_->GetFolder(id).status().code(), StatusCode::kNotFound);
  }
  EXPECT_EQ(store_->GetItem(i1.id).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(store_->FindFileByPath("/a/2")->has_value());
  EXPECT_FALSE(store_->FindThumbnail(i1.id, "thumb")->has_value());
  EXPECT_TRUE(store_->GetItem(i3.id).ok());
  EXPECT_TRUE(store_->FindFileByPath("/a/4")->has_value());
  EXPECT_EQ(*store_->CountItems(), 1);
  EXPECT_EQ(store_->DeleteCollection(c.id, &removed).code(), StatusCode::kNotFound);
}

// --- folders

TEST_P(StoreConformanceTest, FolderCreateCopiesParentAccess) {
  UserRecord alice = AddUser("alice");
  UserRecord bob = AddUser("bob");
  CollectionRecord c = AddCollection("C", true, {{alice.id, AccessLevel::kWrite}});
  AccessList ignored;
  ignored.users = {{bob.id, AccessLevel::kAdmin}};
  FolderRecord top = AddFolder(ParentType::kCollection, c.id, "top", ignored);
  EXPECT_EQ(top.base_parent_type, ParentType::kCollection);
  EXPECT_EQ(top.base_parent_id, c.id);
  auto got = store_->GetFolder(top.id);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->access.is_public);
  ASSERT_EQ(got->access.users.size(), 1u);
  EXPECT_EQ(got->access.users[0].user_id, alice.id);
  EXPECT_EQ(got->access.users[0].level, AccessLevel::kWrite);

  ASSERT_TRUE(store_->SetFolderAccess(top.id, ignored, false).ok());
  FolderRecord child = AddFolder(ParentType::kFolder, top.id, "child");
  got = store_->GetFolder(child.id);
  EXPECT_FALSE(got->access.is_public);
  ASSERT_EQ(got->access.users.size(), 1u);
  EXPECT_EQ(got->access.users[0].user_id, bob.id);
  EXPECT_EQ(got->base_parent_type, ParentType::kCollection);
  EXPECT_EQ(got->base_parent_id, c.id);
  EXPECT_EQ(got->parent_type, ParentType::kFolder);
  EXPECT_EQ(got->parent_id, top.id);

  AccessList mine;
  mine.is_public = true;
  mine.users = {{alice.id, AccessLevel::kAdmin}};
  FolderRecord home = AddFolder(ParentType::kUser, alice.id, "Public", mine);
  got = store_->GetFolder(home.id);
  EXPECT_TRUE(got->access.is_public);
  ASSERT_EQ(got->access.users.size(), 1u);
  EXPECT_EQ(got->access.users[0].level, AccessLevel::kAdmin);
  EXPECT_EQ(got->base_parent_type, ParentType::kUser);
  EXPECT_EQ(got->base_parent_id, alice.id);
}

TEST_P(StoreConformanceTest, FolderErrors) {
  CollectionRecord c = AddCollection("C", true);
  AddFolder(ParentType::kCollection, c.id, "dup");
  FolderRecord f;
  f.name = "dup";
  f.parent_type = ParentType::kCollection;
  f.parent_id = c.id;
  auto r = store_->CreateFolder(f);
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r.status().message(), "A folder with that name already exists here.");
  f.name = "other";
  f.parent_id = kMissingId;
  EXPECT_EQ(store_->CreateFolder(f).status().code(), StatusCode::kNotFound);
  f.parent_type = ParentType::kFolder;
  EXPECT_EQ(store_->CreateFolder(f).status().code(), StatusCode::kNotFound);
  f.parent_type = ParentType::kUser;
  EXPECT_EQ(store_->CreateFolder(f).status().code(), StatusCode::kNotFound);
  f.parent_id = "nope";
  EXPECT_EQ(store_->CreateFolder(f).status().code(), StatusCode::kInvalidArgument);
  f.parent_id = c.id;
  f.parent_type = ParentType::kCollection;
  f.name = "";
  EXPECT_EQ(store_->CreateFolder(f).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetFolder(kMissingId).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteFolder(kMissingId, nullptr).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->SetFolderAccess(kMissingId, {}, true).code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, FolderListHonoursAccess) {
  UserRecord alice = AddUser("alice");
  CollectionRecord c = AddCollection("C", false);
  FolderRecord a = AddFolder(ParentType::kCollection, c.id, "a");
  FolderRecord b = AddFolder(ParentType::kCollection, c.id, "b");
  FolderRecord cc = AddFolder(ParentType::kCollection, c.id, "c");
  AddFolder(ParentType::kCollection, c.id, "d");
  AccessList pub{true, {}};
  AccessList alice_read{false, {{alice.id, AccessLevel::kRead}}};
  ASSERT_TRUE(store_->SetFolderAccess(a.id, pub, false).ok());
  ASSERT_TRUE(store_->SetFolderAccess(b.id, alice_read, false).ok());
  ASSERT_TRUE(store_->SetFolderAccess(cc.id, pub, false).ok());
  FolderRecord inner = AddFolder(ParentType::kFolder, a.id, "inner");

  ListQuery q;
  EXPECT_THAT(Names(*store_->ListFolders(ParentType::kCollection, c.id, q, AccessFilter{})),
              ElementsAre("a", "c"));
  EXPECT_THAT(
      Names(*store_->ListFolders(ParentType::kCollection, c.id, q, AccessFilter{false, alice.id})),
      ElementsAre("a", "b", "c"));
  EXPECT_EQ(store_->ListFolders(ParentType::kCollection, c.id, q, AccessFilter::All())->size(), 4u);
  EXPECT_THAT(Names(*store_->ListFolders(ParentType::kFolder, a.id, q, AccessFilter{})),
              ElementsAre("inner"));
  q.limit = 1;
  q.offset = 1;
  EXPECT_THAT(Names(*store_->ListFolders(ParentType::kCollection, c.id, q, AccessFilter{})),
              ElementsAre("c"));
  q = ListQuery();
  q.sort = "created";
  q.descending = true;
  EXPECT_EQ(
      store_->ListFolders(ParentType::kCollection, c.id, q, AccessFilter::All())->front().name,
      "d");
  q.sort = "bogus";
  EXPECT_EQ(
      store_->ListFolders(ParentType::kCollection, c.id, q, AccessFilter::All()).status().code(),
      StatusCode::kInvalidArgument);
  (void)inner;
}

TEST_P(StoreConformanceTest, SetFolderAccessRecurse) {
  UserRecord alice = AddUser("alice");
  CollectionRecord c = AddCollection("C", false);
  FolderRecord top = AddFolder(ParentType::kCollection, c.id, "top");
  FolderRecord mid = AddFolder(ParentType::kFolder, top.id, "mid");
  FolderRecord leaf = AddFolder(ParentType::kFolder, mid.id, "leaf");
  FolderRecord sibling = AddFolder(ParentType::kCollection, c.id, "sibling");

  AccessList grant{true, {{alice.id, AccessLevel::kWrite}}};
  ASSERT_TRUE(store_->SetFolderAccess(mid.id, grant, /*recurse=*/false).ok());
  EXPECT_TRUE(store_->GetFolder(mid.id)->access.is_public);
  EXPECT_FALSE(store_->GetFolder(leaf.id)->access.is_public);

  ASSERT_TRUE(store_->SetFolderAccess(top.id, grant, /*recurse=*/true).ok());
  for (const auto& id : {top.id, mid.id, leaf.id}) {
    auto f = store_->GetFolder(id);
    EXPECT_TRUE(f->access.is_public) << f->name;
    ASSERT_EQ(f->access.users.size(), 1u) << f->name;
    EXPECT_EQ(f->access.users[0].user_id, alice.id);
    EXPECT_EQ(f->access.users[0].level, AccessLevel::kWrite);
  }
  EXPECT_FALSE(store_->GetFolder(sibling.id)->access.is_public);
  EXPECT_TRUE(store_->GetFolder(sibling.id)->access.users.empty());

  AccessList none;
  ASSERT_TRUE(store_->SetFolderAccess(top.id, none, true).ok());
  EXPECT_FALSE(store_->GetFolder(leaf.id)->access.is_public);
  EXPECT_TRUE(store_->GetFolder(leaf.id)->access.users.empty());
  AccessList bad{false, {{"not-an-id", AccessLevel::kRead}}};
  EXPECT_EQ(store_->SetFolderAccess(top.id, bad, true).code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, FolderUpdateAndMove) {
  UserRecord alice = AddUser("alice");
  CollectionRecord c1 = AddCollection("C1", true);
  CollectionRecord c2 = AddCollection("C2", true);
  FolderRecord top = AddFolder(ParentType::kCollection, c1.id, "top");
  FolderRecord mid = AddFolder(ParentType::kFolder, top.id, "mid");
  FolderRecord leaf = AddFolder(ParentType::kFolder, mid.id, "leaf");
  AddFolder(ParentType::kCollection, c2.id, "taken");

  FolderRecord f = *store_->GetFolder(top.id);
  f.description = "about";
  f.meta_json = R"({"k":1})";
  ASSERT_TRUE(store_->UpdateFolder(f).ok());
  EXPECT_EQ(store_->GetFolder(top.id)->description, "about");
  EXPECT_EQ(store_->GetFolder(top.id)->meta_json, R"({"k":1})");

  f.parent_id = c2.id;  // move to another collection
  ASSERT_TRUE(store_->UpdateFolder(f).ok());
  for (const auto& id : {top.id, mid.id, leaf.id}) {
    auto got = store_->GetFolder(id);
    EXPECT_EQ(got->base_parent_type, ParentType::kCollection);
    EXPECT_EQ(got->base_parent_id, c2.id) << got->name;
  }
  EXPECT_EQ(store_->GetFolder(mid.id)->parent_id, top.id);

  FolderRecord m = *store_->GetFolder(mid.id);
  m.parent_type = ParentType::kUser;  // move into a home
  m.parent_id = alice.id;
  ASSERT_TRUE(store_->UpdateFolder(m).ok());
  EXPECT_EQ(store_->GetFolder(leaf.id)->base_parent_type, ParentType::kUser);
  EXPECT_EQ(store_->GetFolder(leaf.id)->base_parent_id, alice.id);
  EXPECT_EQ(store_->GetFolder(top.id)->base_parent_id, c2.id);

  m.parent_type = ParentType::kFolder;  // not under itself or its descendants
  m.parent_id = leaf.id;
  EXPECT_EQ(store_->UpdateFolder(m).code(), StatusCode::kInvalidArgument);
  m.parent_id = mid.id;
  EXPECT_EQ(store_->UpdateFolder(m).code(), StatusCode::kInvalidArgument);
  m.parent_id = kMissingId;
  EXPECT_EQ(store_->UpdateFolder(m).code(), StatusCode::kNotFound);

  m.parent_id = top.id;  // back under top: base parent follows top's
  ASSERT_TRUE(store_->UpdateFolder(m).ok());
  EXPECT_EQ(store_->GetFolder(leaf.id)->base_parent_id, c2.id);

  f = *store_->GetFolder(top.id);
  f.name = "taken";
  EXPECT_EQ(store_->UpdateFolder(f).code(), StatusCode::kAlreadyExists);
  f.id = kMissingId;
  EXPECT_EQ(store_->UpdateFolder(f).code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, DeleteFolderCascades) {
  CollectionRecord c = AddCollection("C", true);
  FolderRecord top = AddFolder(ParentType::kCollection, c.id, "top");
  FolderRecord mid = AddFolder(ParentType::kFolder, top.id, "mid");
  FolderRecord leaf = AddFolder(ParentType::kFolder, mid.id, "leaf");
  FolderRecord other = AddFolder(ParentType::kCollection, c.id, "other");
  ItemRecord a = AddItem(mid.id, "a");
  ItemRecord b = AddItem(leaf.id, "b");
  ItemRecord keep = AddItem(other.id, "keep");
  AddFile(a.id, 1, "/store/a");
  AddFile(b.id, 2, "/store/b");
  AddFile(b.id, 3, "/data/b.svs", /*imported=*/true);
  AddFile(keep.id, 4, "/store/keep");
  std::vector<std::string> removed;
  ASSERT_TRUE(
      store_->PutThumbnail({b.id, "k", "image/png", "/store/thumb-b", 1, 1}, 5, &removed).ok());
  UploadRecord up;
  up.parent_id = leaf.id;
  up.name = "pending";
  up.size = 10;
  up.temp_path = "/store/temp/pending";
  ASSERT_TRUE(store_->CreateUpload(up).ok());

  ASSERT_TRUE(store_->DeleteFolder(mid.id, &removed).ok());
  EXPECT_THAT(Sorted(removed),
              ElementsAre("/store/a", "/store/b", "/store/temp/pending", "/store/thumb-b"));
  EXPECT_TRUE(store_->GetFolder(top.id).ok());
  EXPECT_EQ(store_->GetFolder(leaf.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetItem(b.id).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(store_->FindFileByPath("/data/b.svs")->has_value());
  EXPECT_TRUE(store_->ListUploads()->empty());
  EXPECT_TRUE(store_->GetItem(keep.id).ok());
  EXPECT_EQ(*store_->CountItems(), 1);
}

}  // namespace tessera
