// Conformance: folders, their access lists, moves and cascade deletes.
#include <gmock/gmock.h>

#include "store/store_conformance_test.h"

namespace tessera {
namespace {

using testing::ElementsAre;

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
  ASSERT_TRUE(store_->CreateUpload(up, nullptr).ok());

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

}  // namespace
}  // namespace tessera
