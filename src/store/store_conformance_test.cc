// Conformance: users, tokens, collections, folders and access filters.
#include "store/store_conformance_test.h"

#include <gmock/gmock.h>

#include <algorithm>

namespace tessera {

using testing::ElementsAre;

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

// What a user's quota counts: the files they created (not imported ones, not others') and the
// declared sizes of their uploads in progress; completing an upload moves its bytes from the one
// to the other, deleting a file frees them.
TEST_P(StoreConformanceTest, UserStorageBytes) {
  UserRecord alice = AddUser("alice");
  UserRecord bob = AddUser("bob");
  EXPECT_EQ(*store_->UserStorageBytes(alice.id), 0);
  EXPECT_EQ(*store_->UserStorageBytes(kMissingId), 0);
  EXPECT_EQ(store_->UserStorageBytes("nope").status().code(), StatusCode::kInvalidArgument);
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  ItemRecord item = AddItem(f.id, "i");
  auto add_file = [&](const std::string& creator, int64_t size, bool imported) {
    FileRecord file;
    file.item_id = item.id;
    file.name = "x";
    file.size = size;
    file.path = "/store/" + NewObjectId();
    file.imported = imported;
    file.creator_id = creator;
    auto made = store_->CreateFile(file);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? made->id : "";
  };
  const std::string a1 = add_file(alice.id, 1000, false);
  add_file(alice.id, int64_t{5} << 40, false);  // sums past 32 bits
  add_file(alice.id, 70000, /*imported=*/true);
  add_file(bob.id, 300, false);
  add_file("", 1, false);
  EXPECT_EQ(*store_->UserStorageBytes(alice.id), 1000 + (int64_t{5} << 40));
  EXPECT_EQ(*store_->UserStorageBytes(bob.id), 300);

  UploadRecord up;
  up.user_id = alice.id;
  up.parent_id = f.id;
  up.name = "big.tif";
  up.size = 40;
  up.received = 10;  // the declared size counts, not what has arrived
  auto made = store_->CreateUpload(up, nullptr);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  up.user_id = bob.id;
  up.size = 7;
  ASSERT_TRUE(store_->CreateUpload(up, nullptr).ok());
  EXPECT_EQ(*store_->UserStorageBytes(alice.id), 1040 + (int64_t{5} << 40));
  EXPECT_EQ(*store_->UserStorageBytes(bob.id), 307);

  FileRecord done;
  done.size = 40;
  done.path = "/store/big";
  ASSERT_TRUE(store_->CompleteUpload(made->id, done).ok());  // the file is alice's now
  EXPECT_EQ(*store_->UserStorageBytes(alice.id), 1040 + (int64_t{5} << 40));
  std::vector<std::string> removed;
  ASSERT_TRUE(store_->DeleteFile(a1, &removed).ok());
  EXPECT_EQ(*store_->UserStorageBytes(alice.id), 40 + (int64_t{5} << 40));
  EXPECT_EQ(*store_->UserStorageBytes(bob.id), 307);
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

}  // namespace tessera
