// Conformance: items, files, uploads, jobs and persisted thumbnails.
#include <gmock/gmock.h>

#include <algorithm>

#include "store/store_conformance_test.h"

namespace tessera {
namespace {

using testing::ElementsAre;

// --- items

TEST_P(StoreConformanceTest, ItemCrud) {
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  FolderRecord g = AddFolder(ParentType::kCollection, c.id, "g");
  ItemRecord item;
  item.name = "slide.svs";
  item.description = "a slide";
  item.folder_id = f.id;
  item.meta_json = R"({"stain":"HE"})";
  item.size = 999;  // ignored: the size is the sum of the files'
  auto created = store_->CreateItem(item);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(IsObjectId(created->id));
  EXPECT_EQ(created->size, 0);
  auto got = store_->GetItem(created->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "slide.svs");
  EXPECT_EQ(got->description, "a slide");
  EXPECT_EQ(got->folder_id, f.id);
  EXPECT_EQ(got->meta_json, R"({"stain":"HE"})");
  EXPECT_EQ(got->path, "");
  EXPECT_GT(got->created_ms, 0);

  // Girder allows two items of one name in a folder.
  EXPECT_TRUE(store_->CreateItem(item).ok());
  item.folder_id = kMissingId;
  EXPECT_EQ(store_->CreateItem(item).status().code(), StatusCode::kNotFound);
  item.folder_id = "bad";
  EXPECT_EQ(store_->CreateItem(item).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetItem(kMissingId).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetItem("bogus").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetItem(kMissingId).status().message(),
            "Invalid item id (0123456789abcdef01234567).");
  EXPECT_EQ(*store_->CountItems(), 2);

  got->name = "renamed";
  got->folder_id = g.id;  // a move
  got->meta_json = "{}";
  ASSERT_TRUE(store_->UpdateItem(*got).ok());
  auto moved = store_->GetItem(created->id);
  EXPECT_EQ(moved->name, "renamed");
  EXPECT_EQ(moved->folder_id, g.id);
  EXPECT_GE(moved->updated_ms, got->updated_ms);
  got->folder_id = kMissingId;
  EXPECT_EQ(store_->UpdateItem(*got).code(), StatusCode::kNotFound);
  got->folder_id = g.id;
  got->id = kMissingId;
  EXPECT_EQ(store_->UpdateItem(*got).code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, ItemListHonoursFolderAccess) {
  UserRecord alice = AddUser("alice");
  CollectionRecord c = AddCollection("C", false);
  FolderRecord pub = AddFolder(ParentType::kCollection, c.id, "pub");
  FolderRecord priv = AddFolder(ParentType::kCollection, c.id, "priv");
  ASSERT_TRUE(store_->SetFolderAccess(pub.id, {true, {}}, false).ok());
  ASSERT_TRUE(
      store_->SetFolderAccess(priv.id, {false, {{alice.id, AccessLevel::kRead}}}, false).ok());
  AddItem(pub.id, "p1", 1000);
  AddItem(pub.id, "p2", 3000);
  AddItem(priv.id, "q1", 2000);
  AddItem(priv.id, "q2", 4000);

  ListQuery q;
  EXPECT_THAT(Names(*store_->ListItems("", q, AccessFilter{})), ElementsAre("p1", "p2"));
  EXPECT_THAT(Names(*store_->ListItems("", q, AccessFilter{false, alice.id})),
              ElementsAre("p1", "p2", "q1", "q2"));
  EXPECT_TRUE(
      store_->ListItems("", q, AccessFilter{false, alice.id, AccessLevel::kWrite})->empty());
  EXPECT_TRUE(store_->ListItems(priv.id, q, AccessFilter{})->empty());
  EXPECT_THAT(Names(*store_->ListItems(priv.id, q, AccessFilter::All())), ElementsAre("q1", "q2"));

  q.sort = "created";
  q.descending = true;
  EXPECT_THAT(Names(*store_->ListItems("", q, AccessFilter{false, alice.id})),
              ElementsAre("q2", "p2", "q1", "p1"));
  q.limit = 2;
  q.offset = 1;
  EXPECT_THAT(Names(*store_->ListItems("", q, AccessFilter{})), ElementsAre("p1"));
  EXPECT_THAT(Names(*store_->ListItems("", q, AccessFilter{false, alice.id})),
              ElementsAre("p2", "q1"));
  ListQuery text;
  text.text = "Q";
  EXPECT_THAT(Names(*store_->ListItems("", text, AccessFilter::All())), ElementsAre("q1", "q2"));
  ListQuery name;
  name.name = "p2";
  EXPECT_THAT(Names(*store_->ListItems("", name, AccessFilter::All())), ElementsAre("p2"));
  ListQuery bad;
  bad.sort = "folder_id";
  EXPECT_EQ(store_->ListItems("", bad, AccessFilter::All()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, ItemSortsBySizeAndLowerName) {
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  ItemRecord big = AddItem(f.id, "b");
  ItemRecord small = AddItem(f.id, "A");
  ItemRecord none = AddItem(f.id, "c");
  AddFile(big.id, 100, "/s/big");
  AddFile(small.id, 10, "/s/small");
  ListQuery q;
  q.sort = "size";
  EXPECT_THAT(Names(*store_->ListItems(f.id, q, AccessFilter::All())), ElementsAre("c", "A", "b"));
  q.sort = "lowerName";
  EXPECT_THAT(Names(*store_->ListItems(f.id, q, AccessFilter::All())), ElementsAre("A", "b", "c"));
  (void)none;
}

// What every backend must agree on, whatever its collation: "name" sorts by bytes (upper case
// before lower case, UTF-8 after ASCII); "lowerName" and text search fold ASCII letters only
// (SQLite's lower()), so "É" and "é" stay distinct; ties break on id.
TEST_P(StoreConformanceTest, NameOrderIsBytesAndCaseFoldingIsAscii) {
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  std::vector<ItemRecord> items;
  for (const char* name : {"b", "\xc3\xa9", "A", "_x", "B", "a", "9", "\xc3\x89", "Z", "10"}) {
    items.push_back(AddItem(f.id, name));
  }
  ListQuery q;
  q.limit = 0;
  EXPECT_THAT(Names(*store_->ListItems(f.id, q, AccessFilter::All())),
              ElementsAre("10", "9", "A", "B", "Z", "_x", "a", "b", "\xc3\x89", "\xc3\xa9"));
  q.descending = true;
  EXPECT_THAT(Names(*store_->ListItems(f.id, q, AccessFilter::All())),
              ElementsAre("\xc3\xa9", "\xc3\x89", "b", "a", "_x", "Z", "B", "A", "9", "10"));

  // lowerName: a == A and b == B, in id order; É (not folded) sorts before é.
  auto id_of = [&](const std::string& name) {
    for (const ItemRecord& i : items) {
      if (i.name == name) return i.id;
    }
    return std::string();
  };
  auto by_id = [&](const char* x, const char* y) {
    return id_of(x) < id_of(y) ? std::vector<std::string>{x, y} : std::vector<std::string>{y, x};
  };
  std::vector<std::string> expected = {"10", "9", "_x"};
  for (const auto& pair : {by_id("a", "A"), by_id("b", "B")}) {
    expected.insert(expected.end(), pair.begin(), pair.end());
  }
  expected.insert(expected.end(), {"Z", "\xc3\x89", "\xc3\xa9"});
  q.sort = "lowerName";
  q.descending = false;
  EXPECT_EQ(Names(*store_->ListItems(f.id, q, AccessFilter::All())), expected);

  ListQuery text;
  text.text = "\xc3\x89";  // É finds itself only
  EXPECT_THAT(Names(*store_->ListItems(f.id, text, AccessFilter::All())), ElementsAre("\xc3\x89"));
  text.text = "A";
  EXPECT_THAT(Names(*store_->ListItems(f.id, text, AccessFilter::All())), ElementsAre("A", "a"));
}

// --- files

TEST_P(StoreConformanceTest, FilesKeepItemSizeAndLargeImage) {
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  ItemRecord item = AddItem(f.id, "slide");
  FileRecord a = AddFile(item.id, 100, "/store/a");
  FileRecord b = AddFile(item.id, 23, "/data/b.svs", /*imported=*/true);
  EXPECT_TRUE(IsObjectId(a.id));
  EXPECT_EQ(store_->GetItem(item.id)->size, 123);
  auto got = store_->GetFile(b.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->item_id, item.id);
  EXPECT_EQ(got->name, "b.svs");
  EXPECT_EQ(got->size, 23);
  EXPECT_EQ(got->path, "/data/b.svs");
  EXPECT_TRUE(got->imported);
  EXPECT_EQ(store_->FindFileByPath("/data/b.svs")->value().id, b.id);
  EXPECT_FALSE(store_->FindFileByPath("/nowhere")->has_value());
  auto files = store_->ListFiles(item.id);
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ(store_->GetFile(kMissingId).status().code(), StatusCode::kNotFound);
  FileRecord orphan;
  orphan.item_id = kMissingId;
  orphan.name = "x";
  orphan.path = "/x";
  EXPECT_EQ(store_->CreateFile(orphan).status().code(), StatusCode::kNotFound);
  FileRecord pre;  // the API names a file before storing it (the assetstore's FinalPath)
  pre.id = NewObjectId();
  pre.item_id = item.id;
  pre.name = "pre";
  pre.path = "/store/pre";
  EXPECT_EQ(store_->CreateFile(pre)->id, pre.id);
  EXPECT_EQ(store_->CreateFile(pre).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->GetItem(item.id)->size, 123);

  ItemRecord li = *store_->GetItem(item.id);
  li.large_image_file_id = b.id;
  li.source_name = "openslide";
  ASSERT_TRUE(store_->UpdateItem(li).ok());
  got = store_->GetFile(b.id);
  auto with_path = store_->GetItem(item.id);
  EXPECT_EQ(with_path->path, "/data/b.svs");
  EXPECT_EQ(with_path->source_name, "openslide");
  EXPECT_EQ(store_->ListItems(f.id, {}, AccessFilter::All())->front().path, "/data/b.svs");
  li.large_image_file_id = kMissingId;
  EXPECT_EQ(store_->UpdateItem(li).code(), StatusCode::kInvalidArgument);

  std::vector<std::string> removed;
  ASSERT_TRUE(store_->DeleteFile(a.id, &removed).ok());
  EXPECT_THAT(removed, ElementsAre("/store/a"));
  auto after = store_->GetItem(item.id);
  EXPECT_EQ(after->size, 23);
  EXPECT_EQ(after->large_image_file_id, b.id);  // not the large image file: kept
  ASSERT_TRUE(store_->DeleteFile(b.id, &removed).ok());
  EXPECT_THAT(removed, ElementsAre("/store/a"));  // imported: never removed from disk
  after = store_->GetItem(item.id);
  EXPECT_EQ(after->size, 0);
  EXPECT_EQ(after->large_image_file_id, "");
  EXPECT_EQ(after->source_name, "");
  EXPECT_EQ(after->path, "");
  EXPECT_EQ(store_->DeleteFile(b.id, &removed).code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, DeleteItemReturnsFileAndThumbnailPaths) {
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  ItemRecord item = AddItem(f.id, "slide");
  ItemRecord other = AddItem(f.id, "other");
  AddFile(item.id, 1, "/store/1");
  AddFile(item.id, 2, "/data/imported", true);
  AddFile(other.id, 3, "/store/3");
  std::vector<std::string> removed;
  ASSERT_TRUE(
      store_->PutThumbnail({item.id, "t", "image/jpeg", "/store/t", 1, 0}, 0, &removed).ok());
  ASSERT_TRUE(store_->DeleteItem(item.id, &removed).ok());
  EXPECT_THAT(Sorted(removed), ElementsAre("/store/1", "/store/t"));
  EXPECT_EQ(store_->GetItem(item.id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->ListFiles(item.id)->empty());
  EXPECT_EQ(store_->ListFiles(other.id)->size(), 1u);
  EXPECT_EQ(store_->DeleteItem(item.id, &removed).code(), StatusCode::kNotFound);
}

// --- uploads

UploadRecord MakeUpload(const std::string& user_id, const std::string& parent_id, bool is_item) {
  UploadRecord u;
  u.user_id = user_id;
  u.parent_id = parent_id;
  u.parent_is_item = is_item;
  u.name = "new.tif";
  u.mime_type = "image/tiff";
  u.size = 42;
  u.temp_path = "/store/temp/x";
  return u;
}

TEST_P(StoreConformanceTest, UploadLifecycle) {
  UserRecord alice = AddUser("alice");
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  auto up = store_->CreateUpload(MakeUpload(alice.id, f.id, false), nullptr);
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_TRUE(IsObjectId(up->id));
  ASSERT_TRUE(store_->SetUploadReceived(up->id, 20).ok());
  auto got = store_->GetUpload(up->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->received, 20);
  EXPECT_EQ(got->size, 42);
  EXPECT_EQ(got->name, "new.tif");
  EXPECT_EQ(got->user_id, alice.id);
  EXPECT_FALSE(got->parent_is_item);
  EXPECT_EQ(store_->ListUploads()->size(), 1u);
  EXPECT_EQ(store_->CreateUpload(MakeUpload(alice.id, kMissingId, false), nullptr).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->CreateUpload(MakeUpload(alice.id, kMissingId, true), nullptr).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->SetUploadReceived(kMissingId, 1).code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->DeleteUpload(up->id).ok());
  EXPECT_EQ(store_->GetUpload(up->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteUpload(up->id).code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->ListUploads()->empty());
}

TEST_P(StoreConformanceTest, CompleteUploadIntoFolderMakesOneItem) {
  UserRecord alice = AddUser("alice");
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  auto up = store_->CreateUpload(MakeUpload(alice.id, f.id, false), nullptr);
  ASSERT_TRUE(up.ok());
  EXPECT_TRUE(store_->ListItems(f.id, {}, AccessFilter::All())->empty());  // not before
  EXPECT_EQ(*store_->CountItems(), 0);

  FileRecord file;
  file.id = NewObjectId();
  file.size = 42;
  file.sha512 = "abc";
  file.path = "/store/aa/bb/" + file.id;
  auto done = store_->CompleteUpload(up->id, file);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  const auto& [stored, item] = *done;
  EXPECT_EQ(stored.id, file.id);
  EXPECT_EQ(stored.name, "new.tif");
  EXPECT_EQ(stored.mime_type, "image/tiff");
  EXPECT_EQ(stored.creator_id, alice.id);
  EXPECT_EQ(stored.item_id, item.id);
  EXPECT_EQ(item.name, "new.tif");
  EXPECT_EQ(item.folder_id, f.id);
  EXPECT_EQ(item.creator_id, alice.id);
  EXPECT_EQ(item.size, 42);
  auto items = store_->ListItems(f.id, {}, AccessFilter::All());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ(items->front().id, item.id);
  ASSERT_EQ(store_->ListFiles(item.id)->size(), 1u);
  EXPECT_EQ(store_->GetUpload(up->id).status().code(), StatusCode::kNotFound);
  // A second completion of the same upload changes nothing.
  EXPECT_EQ(store_->CompleteUpload(up->id, file).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*store_->CountItems(), 1);
}

TEST_P(StoreConformanceTest, CompleteUploadIntoItemAddsAFile) {
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  ItemRecord item = AddItem(f.id, "existing");
  AddFile(item.id, 8, "/store/first");
  auto up = store_->CreateUpload(MakeUpload("", item.id, true), nullptr);
  ASSERT_TRUE(up.ok());
  FileRecord file;
  file.name = "second.tif";
  file.size = 42;
  file.path = "/store/second";
  auto done = store_->CompleteUpload(up->id, file);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->second.id, item.id);
  EXPECT_EQ(done->second.size, 50);
  EXPECT_EQ(done->first.name, "second.tif");
  EXPECT_EQ(store_->ListFiles(item.id)->size(), 2u);
  EXPECT_EQ(*store_->CountItems(), 1);
}

TEST_P(StoreConformanceTest, CompleteUploadFailsWhole) {
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  ItemRecord item = AddItem(f.id, "existing");
  FileRecord taken = AddFile(item.id, 1, "/store/taken");
  auto up = store_->CreateUpload(MakeUpload("", f.id, false), nullptr);
  ASSERT_TRUE(up.ok());
  FileRecord file;
  file.id = taken.id;  // a duplicate id fails the file insert after the item insert
  file.size = 42;
  file.path = "/store/dup";
  EXPECT_FALSE(store_->CompleteUpload(up->id, file).ok());
  EXPECT_EQ(*store_->CountItems(), 1);          // no item was left behind
  EXPECT_TRUE(store_->GetUpload(up->id).ok());  // and the upload is still there
  EXPECT_EQ(store_->CompleteUpload(kMissingId, file).status().code(), StatusCode::kNotFound);
}

// --- jobs

TEST_P(StoreConformanceTest, Jobs) {
  UserRecord alice = AddUser("alice");
  UserRecord bob = AddUser("bob");
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    JobRecord j;
    j.type = "large_image_tiff";
    j.title = "job " + std::to_string(i);
    j.user_id = i % 2 == 0 ? alice.id : bob.id;
    j.created_ms = 1000 + i;
    if (i == 1) j.node = "node-a:8080";
    auto r = store_->CreateJob(j);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, JobStatus::kInactive);
    ids.push_back(r->id);
  }
  EXPECT_EQ(store_->GetJob(ids[0])->node, "");
  EXPECT_EQ(store_->GetJob(ids[1])->node, "node-a:8080");
  auto all = store_->ListJobs("", ListQuery());
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::vector<std::string> titles;
  for (const auto& j : *all) titles.push_back(j.title);
  EXPECT_THAT(titles, ElementsAre("job 3", "job 2", "job 1", "job 0"));  // newest first
  titles.clear();
  all = store_->ListJobs(alice.id, ListQuery());
  for (const auto& j : *all) titles.push_back(j.title);
  EXPECT_THAT(titles, ElementsAre("job 2", "job 0"));
  ListQuery page;
  page.limit = 1;
  page.offset = 1;
  EXPECT_EQ(store_->ListJobs("", page)->front().title, "job 2");

  JobRecord j = *store_->GetJob(ids[1]);
  j.status = JobStatus::kRunning;
  j.progress_current = 5;
  j.progress_total = 10;
  j.progress_message = "halfway";
  j.log = "line 1\nline 2\n";
  j.kwargs_json = R"({"tileSize":256})";
  j.node = "node-b:8080";
  ASSERT_TRUE(store_->UpdateJob(j).ok());
  auto got = store_->GetJob(ids[1]);
  EXPECT_EQ(got->status, JobStatus::kRunning);
  EXPECT_EQ(got->progress_current, 5);
  EXPECT_EQ(got->progress_total, 10);
  EXPECT_EQ(got->progress_message, "halfway");
  EXPECT_EQ(got->log, "line 1\nline 2\n");
  EXPECT_EQ(got->kwargs_json, R"({"tileSize":256})");
  EXPECT_EQ(got->node, "node-b:8080");
  EXPECT_EQ(got->user_id, bob.id);
  EXPECT_EQ(got->created_ms, 1001);
  EXPECT_GE(got->updated_ms, got->created_ms);
  j.id = kMissingId;
  EXPECT_EQ(store_->UpdateJob(j).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetJob(kMissingId).status().code(), StatusCode::kNotFound);
}

// --- thumbnails

TEST_P(StoreConformanceTest, ThumbnailsTrimOldest) {
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  ItemRecord item = AddItem(f.id, "slide");
  ItemRecord other = AddItem(f.id, "other");
  std::vector<std::string> removed;
  for (int i = 0; i < 3; ++i) {
    ThumbnailRecord t{item.id,      "k" + std::to_string(i),
                      "image/jpeg", "/store/t" + std::to_string(i),
                      10 + i,       100 + i};
    ASSERT_TRUE(store_->PutThumbnail(t, 3, &removed).ok());
  }
  ASSERT_TRUE(
      store_->PutThumbnail({other.id, "k0", "image/png", "/store/o0", 1, 50}, 3, &removed).ok());
  EXPECT_TRUE(removed.empty());
  auto found = store_->FindThumbnail(item.id, "k1");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->path, "/store/t1");
  EXPECT_EQ((*found)->size, 11);
  EXPECT_EQ((*found)->content_type, "image/jpeg");
  EXPECT_EQ((*found)->created_ms, 101);

  ASSERT_TRUE(
      store_->PutThumbnail({item.id, "k3", "image/jpeg", "/store/t3", 1, 103}, 3, &removed).ok());
  EXPECT_THAT(removed, ElementsAre("/store/t0"));  // the oldest goes
  EXPECT_FALSE(store_->FindThumbnail(item.id, "k0")->has_value());
  EXPECT_TRUE(store_->FindThumbnail(other.id, "k0")->has_value());  // other items keep theirs

  removed.clear();  // replacing a key drops the old file when the path changes
  ASSERT_TRUE(
      store_->PutThumbnail({item.id, "k1", "image/jpeg", "/store/t1b", 1, 104}, 3, &removed).ok());
  EXPECT_THAT(removed, ElementsAre("/store/t1"));
  EXPECT_EQ(store_->FindThumbnail(item.id, "k1")->value().path, "/store/t1b");

  removed.clear();  // trimming to one keeps the one just put
  ASSERT_TRUE(
      store_->PutThumbnail({item.id, "k4", "image/jpeg", "/store/t4", 1, 1}, 1, &removed).ok());
  EXPECT_THAT(Sorted(removed), ElementsAre("/store/t1b", "/store/t2", "/store/t3"));
  EXPECT_TRUE(store_->FindThumbnail(item.id, "k4")->has_value());

  removed.clear();
  ASSERT_TRUE(store_->DeleteThumbnails(item.id, &removed).ok());
  EXPECT_THAT(removed, ElementsAre("/store/t4"));
  EXPECT_FALSE(store_->FindThumbnail(item.id, "k4")->has_value());
  EXPECT_EQ(store_->PutThumbnail({kMissingId, "k", "", "/p", 1, 1}, 3, &removed).code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace tessera
