// Conformance: what cuts across record kinds — paging over visible rows only, grant levels,
// awkward text, deep trees, and the optional out-parameters.
#include <gmock/gmock.h>

#include <set>

#include "store/store_conformance_test.h"

namespace tessera {
namespace {

using testing::ElementsAre;

// Walks every page of `list(query)` and returns the names in order.
template <typename F>
std::vector<std::string> AllPages(F list, int page_size) {
  std::vector<std::string> names;
  for (int offset = 0;; offset += page_size) {
    ListQuery q;
    q.limit = page_size;
    q.offset = offset;
    auto page = list(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok() || page->empty()) break;
    EXPECT_LE(page->size(), static_cast<size_t>(page_size));
    for (const auto& r : *page) names.push_back(r.name);
  }
  return names;
}

TEST_P(StoreConformanceTest, PagesCountOnlyVisibleItems) {
  UserRecord alice = AddUser("alice");
  CollectionRecord c = AddCollection("C", false);
  FolderRecord pub = AddFolder(ParentType::kCollection, c.id, "pub");
  FolderRecord priv = AddFolder(ParentType::kCollection, c.id, "priv");
  FolderRecord mine = AddFolder(ParentType::kCollection, c.id, "mine");
  ASSERT_TRUE(store_->SetFolderAccess(pub.id, {true, {}}, false).ok());
  ASSERT_TRUE(
      store_->SetFolderAccess(mine.id, {false, {{alice.id, AccessLevel::kRead}}}, false).ok());
  std::vector<std::string> anonymous, as_alice, everything;
  for (int i = 0; i < 60; ++i) {
    char name[16];
    snprintf(name, sizeof(name), "item%03d", i);
    const FolderRecord& f = i % 3 == 0 ? pub : i % 3 == 1 ? priv : mine;
    AddItem(f.id, name);
    everything.push_back(name);
    if (i % 3 == 0) anonymous.push_back(name);
    if (i % 3 != 1) as_alice.push_back(name);
  }
  auto list_as = [&](AccessFilter filter) {
    return [&, filter](const ListQuery& q) { return store_->ListItems("", q, filter); };
  };
  EXPECT_EQ(AllPages(list_as(AccessFilter{}), 7), anonymous);
  EXPECT_EQ(AllPages(list_as(AccessFilter{false, alice.id}), 7), as_alice);
  EXPECT_EQ(AllPages(list_as(AccessFilter::All()), 7), everything);

  ListQuery unlimited;
  unlimited.limit = 0;
  EXPECT_EQ(store_->ListItems("", unlimited, AccessFilter::All())->size(), 60u);
  ListQuery past_end;
  past_end.offset = 1000;
  EXPECT_TRUE(store_->ListItems("", past_end, AccessFilter::All())->empty());
  ListQuery negative;
  negative.offset = -5;  // as 0
  negative.limit = 1;
  EXPECT_THAT(Names(*store_->ListItems("", negative, AccessFilter{})), ElementsAre("item000"));
}

TEST_P(StoreConformanceTest, PagesCountOnlyVisibleFoldersAndCollections) {
  UserRecord alice = AddUser("alice");
  CollectionRecord top = AddCollection("top", true);
  std::vector<std::string> visible_folders, visible_collections;
  for (int i = 0; i < 25; ++i) {
    char name[16];
    snprintf(name, sizeof(name), "n%02d", i);
    const bool shown = i % 4 == 1;
    AddCollection(name, false,
                  shown ? std::vector<AccessGrant>{{alice.id, AccessLevel::kWrite}}
                        : std::vector<AccessGrant>{});
    FolderRecord f = AddFolder(ParentType::kCollection, top.id, name);
    ASSERT_TRUE(
        store_->SetFolderAccess(f.id, {false, {{alice.id, AccessLevel::kRead}}}, false).ok());
    if (!shown) {
      ASSERT_TRUE(store_->SetFolderAccess(f.id, {}, false).ok());
    } else {
      visible_folders.push_back(name);
      visible_collections.push_back(name);
    }
  }
  visible_collections.push_back("top");  // public
  const AccessFilter alice_filter{false, alice.id};
  EXPECT_EQ(AllPages(
                [&](const ListQuery& q) {
                  return store_->ListFolders(ParentType::kCollection, top.id, q, alice_filter);
                },
                2),
            visible_folders);
  EXPECT_EQ(
      AllPages([&](const ListQuery& q) { return store_->ListCollections(q, alice_filter); }, 3),
      visible_collections);
}

TEST_P(StoreConformanceTest, GrantLevels) {
  UserRecord reader = AddUser("reader");
  UserRecord writer = AddUser("writer");
  UserRecord admin = AddUser("admin");
  UserRecord nobody = AddUser("nobody");
  CollectionRecord c = AddCollection("C", /*is_public=*/true,
                                     {{reader.id, AccessLevel::kRead},
                                      {writer.id, AccessLevel::kWrite},
                                      {admin.id, AccessLevel::kAdmin},
                                      {nobody.id, AccessLevel::kNone}});
  EXPECT_EQ(store_->GetCollection(c.id)->access.users.size(), 3u);  // kNone is no grant
  ListQuery q;
  auto count = [&](const std::string& user, AccessLevel level) {
    return store_->ListCollections(q, AccessFilter{false, user, level})->size();
  };
  // Public means READ for everyone, and nothing more.
  EXPECT_EQ(count("", AccessLevel::kRead), 1u);
  EXPECT_EQ(count("", AccessLevel::kWrite), 0u);
  EXPECT_EQ(count(nobody.id, AccessLevel::kRead), 1u);
  EXPECT_EQ(count(nobody.id, AccessLevel::kWrite), 0u);
  EXPECT_EQ(count(reader.id, AccessLevel::kWrite), 0u);
  EXPECT_EQ(count(writer.id, AccessLevel::kWrite), 1u);
  EXPECT_EQ(count(writer.id, AccessLevel::kAdmin), 0u);
  EXPECT_EQ(count(admin.id, AccessLevel::kAdmin), 1u);
  EXPECT_EQ(count(admin.id, AccessLevel::kWrite), 1u);

  // One grant per user: the last one given wins.
  CollectionRecord twice = AddCollection(
      "twice", false, {{reader.id, AccessLevel::kRead}, {reader.id, AccessLevel::kAdmin}});
  auto got = store_->GetCollection(twice.id);
  ASSERT_EQ(got->access.users.size(), 1u);
  EXPECT_EQ(got->access.users[0].level, AccessLevel::kAdmin);
}

TEST_P(StoreConformanceTest, UserListSearchesLoginEmailAndNames) {
  UserRecord a = AddUser("alice");
  UserRecord b = AddUser("bob");
  b.first_name = "Roberta";
  b.email = "rob@other.net";
  ASSERT_TRUE(store_->UpdateUser(b).ok());
  ListQuery q;
  q.text = "other.NET";
  ASSERT_EQ(store_->ListUsers(q)->size(), 1u);
  EXPECT_EQ(store_->ListUsers(q)->front().id, b.id);
  q.text = "robert";
  EXPECT_EQ(store_->ListUsers(q)->size(), 1u);
  q.text = "last";  // both last names
  EXPECT_EQ(store_->ListUsers(q)->size(), 2u);
  ListQuery by_name;  // default sort: login
  EXPECT_EQ(store_->ListUsers(by_name)->front().id, a.id);
  by_name.sort = "firstName";
  by_name.descending = true;
  EXPECT_EQ(store_->ListUsers(by_name)->front().id, b.id);
  ListQuery exact;
  exact.name = "bob";
  EXPECT_EQ(store_->ListUsers(exact)->size(), 1u);
}

TEST_P(StoreConformanceTest, AwkwardTextIsData) {
  CollectionRecord c = AddCollection("C'; DROP TABLE items; --", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "50%_off \"quoted\"");
  AddItem(f.id, "100% pure_luck");
  AddItem(f.id, "1000 pureXluck");
  AddItem(f.id, "ünïcödé 切片");
  ListQuery q;
  q.text = "% pure_";  // LIKE wildcards are plain characters here
  EXPECT_THAT(Names(*store_->ListItems(f.id, q, AccessFilter::All())),
              ElementsAre("100% pure_luck"));
  q.text = "切片";
  EXPECT_THAT(Names(*store_->ListItems(f.id, q, AccessFilter::All())), ElementsAre("ünïcödé 切片"));
  EXPECT_EQ(store_->GetCollection(c.id)->name, "C'; DROP TABLE items; --");
  EXPECT_EQ(store_->GetFolder(f.id)->name, "50%_off \"quoted\"");
  EXPECT_EQ(*store_->CountItems(), 3);

  FolderRecord meta = *store_->GetFolder(f.id);
  meta.meta_json = R"({"a": "b\"c", "n": [1, 2.5e3], "u": "\u00e9"})";
  ASSERT_TRUE(store_->UpdateFolder(meta).ok());
  EXPECT_EQ(store_->GetFolder(f.id)->meta_json, meta.meta_json);  // stored verbatim
}

TEST_P(StoreConformanceTest, DeepTrees) {
  CollectionRecord c1 = AddCollection("C1", true);
  CollectionRecord c2 = AddCollection("C2", true);
  std::vector<FolderRecord> chain{AddFolder(ParentType::kCollection, c1.id, "d0")};
  for (int i = 1; i < 40; ++i) {
    chain.push_back(AddFolder(ParentType::kFolder, chain.back().id, "d" + std::to_string(i)));
  }
  ItemRecord bottom = AddItem(chain.back().id, "bottom");
  AddFile(bottom.id, 5, "/store/bottom");
  EXPECT_EQ(store_->GetFolder(chain.back().id)->base_parent_id, c1.id);

  FolderRecord top = chain.front();
  top.parent_id = c2.id;
  ASSERT_TRUE(store_->UpdateFolder(top).ok());
  EXPECT_EQ(store_->GetFolder(chain.back().id)->base_parent_id, c2.id);

  AccessList closed;
  ASSERT_TRUE(store_->SetFolderAccess(chain.front().id, closed, true).ok());
  EXPECT_FALSE(store_->GetFolder(chain.back().id)->access.is_public);
  EXPECT_TRUE(store_->ListItems("", ListQuery(), AccessFilter{})->empty());

  std::vector<std::string> removed;
  ASSERT_TRUE(store_->DeleteCollection(c2.id, &removed).ok());
  EXPECT_THAT(removed, ElementsAre("/store/bottom"));
  EXPECT_EQ(store_->GetFolder(chain.back().id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*store_->CountItems(), 0);
}

TEST_P(StoreConformanceTest, FolderNamesAreUniquePerParentOnly) {
  UserRecord alice = AddUser("alice");
  CollectionRecord c = AddCollection("C", true);
  FolderRecord a = AddFolder(ParentType::kCollection, c.id, "same");
  FolderRecord b = AddFolder(ParentType::kFolder, a.id, "same");
  FolderRecord h = AddFolder(ParentType::kUser, alice.id, "same");
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.id, h.id);
  FolderRecord moved = *store_->GetFolder(b.id);  // moving next to a namesake collides
  moved.parent_type = ParentType::kCollection;
  moved.parent_id = c.id;
  EXPECT_EQ(store_->UpdateFolder(moved).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->GetFolder(b.id)->parent_id, a.id);  // unchanged
}

TEST_P(StoreConformanceTest, RemovedPathsMayBeNull) {
  UserRecord alice = AddUser("alice");
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  ItemRecord i = AddItem(f.id, "i");
  FileRecord file = AddFile(i.id, 1, "/store/1");
  ASSERT_TRUE(store_->PutThumbnail({i.id, "k", "", "/store/t", 1, 0}, 1, nullptr).ok());
  ASSERT_TRUE(store_->PutThumbnail({i.id, "k2", "", "/store/t2", 1, 0}, 1, nullptr).ok());
  ASSERT_TRUE(store_->DeleteThumbnails(i.id, nullptr).ok());
  ASSERT_TRUE(store_->DeleteFile(file.id, nullptr).ok());
  ASSERT_TRUE(store_->DeleteItem(i.id, nullptr).ok());
  ASSERT_TRUE(store_->DeleteFolder(f.id, nullptr).ok());
  ASSERT_TRUE(store_->DeleteCollection(c.id, nullptr).ok());
  ASSERT_TRUE(store_->DeleteUser(alice.id, nullptr).ok());
}

TEST_P(StoreConformanceTest, DeletingAnItemDropsItsPendingUploads) {
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  ItemRecord i = AddItem(f.id, "i");
  UploadRecord up;
  up.parent_is_item = true;
  up.parent_id = i.id;
  up.name = "more";
  up.temp_path = "/store/temp/more";
  auto created = store_->CreateUpload(up, nullptr);
  ASSERT_TRUE(created.ok());
  std::vector<std::string> removed;
  ASSERT_TRUE(store_->DeleteItem(i.id, &removed).ok());
  EXPECT_THAT(removed, ElementsAre("/store/temp/more"));
  EXPECT_EQ(store_->GetUpload(created->id).status().code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, JobTextAndSorts) {
  for (int i = 0; i < 3; ++i) {
    JobRecord j;
    j.title = i == 1 ? "convert CMU-1" : "convert other " + std::to_string(i);
    j.status = static_cast<JobStatus>(i + 1);
    j.created_ms = 100 + i;
    ASSERT_TRUE(store_->CreateJob(j).ok());
  }
  ListQuery q;
  q.text = "cmu";
  ASSERT_EQ(store_->ListJobs("", q)->size(), 1u);
  EXPECT_EQ(store_->ListJobs("", q)->front().title, "convert CMU-1");
  ListQuery oldest;
  oldest.sort = "created";
  EXPECT_EQ(store_->ListJobs("", oldest)->front().created_ms, 100);
  ListQuery by_status;
  by_status.sort = "status";
  by_status.descending = true;
  EXPECT_EQ(store_->ListJobs("", by_status)->front().status, JobStatus::kSuccess);
  ListQuery bad;
  bad.sort = "log";
  EXPECT_EQ(store_->ListJobs("", bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, IdsAreDistinct) {
  std::set<std::string> ids;
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  ids.insert(c.id);
  ids.insert(f.id);
  for (int i = 0; i < 50; ++i) {
    ItemRecord item = AddItem(f.id, "i");
    EXPECT_TRUE(IsObjectId(item.id));
    ids.insert(item.id);
  }
  EXPECT_EQ(ids.size(), 52u);
}

}  // namespace
}  // namespace tessera
