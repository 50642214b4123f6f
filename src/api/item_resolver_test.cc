#include "api/item_resolver.h"

#include <gtest/gtest.h>

#include "core/clock.h"
#include "io/fake_file_system.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

class ItemResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(dir_.path() + "/t.db");
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    CollectionRecord c;
    c.name = "c";
    c.access.is_public = true;
    auto collection = store_->CreateCollection(c);
    ASSERT_TRUE(collection.ok()) << collection.status().ToString();
    FolderRecord f;
    f.name = "f";
    f.parent_type = ParentType::kCollection;
    f.parent_id = collection->id;
    auto folder = store_->CreateFolder(f);
    ASSERT_TRUE(folder.ok()) << folder.status().ToString();
    ItemRecord r;
    r.name = "a.tif";
    r.folder_id = folder->id;
    auto item = store_->CreateItem(r);
    ASSERT_TRUE(item.ok()) << item.status().ToString();
    FileRecord file;
    file.item_id = item->id;
    file.name = "a.tif";
    file.path = "/images/a.tif";
    file.imported = true;
    auto created_file = store_->CreateFile(file);
    ASSERT_TRUE(created_file.ok()) << created_file.status().ToString();
    file_id_ = created_file->id;
    ItemRecord large = *store_->GetItem(item->id);
    large.large_image_file_id = file_id_;
    large.source_name = "tiff";
    ASSERT_TRUE(store_->UpdateItem(large).ok());
    id_ = item->id;
    fs_.SetFile("/images/a.tif", "version 1");
    ctx_.store = store_.get();
    ctx_.fs = &fs_;
    ctx_.clock = &clock_;
    ctx_.file_check_interval_nanos = 1'000'000'000;
  }

  std::string Key(ItemResolver& r) {
    auto resolved = r.Resolve(id_, ApiRequest());
    return resolved.ok() ? resolved->source.key : resolved.status().ToString();
  }

  TempDir dir_;
  std::unique_ptr<MetadataStore> store_;
  FakeFileSystem fs_;
  FakeClock clock_;
  ApiContext ctx_;
  std::string id_;
  std::string file_id_;
};

TEST_F(ItemResolverTest, FileStampIsPartOfTheKeyAndRecheckedAfterTheInterval) {
  ItemResolver resolver(ctx_);
  const std::string first = Key(resolver);
  EXPECT_EQ(first.rfind("f:" + file_id_ + ":", 0), 0u) << first;
  fs_.SetFile("/images/a.tif", "version 2, longer");  // rewritten in place
  clock_.Advance(std::chrono::milliseconds(500));
  EXPECT_EQ(Key(resolver), first);  // trusted for the interval
  clock_.Advance(std::chrono::milliseconds(600));
  const std::string second = Key(resolver);
  EXPECT_NE(second, first);
  fs_.RemoveFile("/images/a.tif");
  clock_.Advance(std::chrono::seconds(2));
  auto gone = resolver.Resolve(id_, ApiRequest());
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_NE(gone.status().message().find("/images/a.tif"), std::string::npos);
}

TEST_F(ItemResolverTest, ZeroIntervalChecksEveryRequest) {
  ctx_.file_check_interval_nanos = 0;
  ItemResolver resolver(ctx_);
  const std::string first = Key(resolver);
  fs_.SetFile("/images/a.tif", "version 2");
  EXPECT_NE(Key(resolver), first);
}

TEST_F(ItemResolverTest, UnknownItemsAndSyntheticTest) {
  ItemResolver resolver(ctx_);
  EXPECT_EQ(resolver.Resolve("0123456789abcdef01234567", ApiRequest()).status().code(),
            StatusCode::kNotFound);
  auto test = resolver.Resolve("test", ApiRequest());
  ASSERT_TRUE(test.ok());
  EXPECT_TRUE(test->synthetic);
  EXPECT_TRUE(static_cast<bool>(test->source.open));
}

}  // namespace
}  // namespace tessera
