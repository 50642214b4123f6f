#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "store/metadata_store.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

TEST(SqliteStoreTest, CreateGetFindList) {
  TempDir dir;
  auto store = OpenSqliteStore(dir.path() + "/t.db");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ItemRecord r;
  r.name = "slide.svs";
  r.path = "/data/slide.svs";
  r.size = 123;
  r.source_name = "tiff";
  auto created = (*store)->CreateItem(r);
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(IsObjectId(created->id));
  auto got = (*store)->GetItem(created->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->path, "/data/slide.svs");
  EXPECT_EQ(got->source_name, "tiff");
  EXPECT_EQ((*store)->CreateItem(r).status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE((*(*store)->FindItemByPath("/data/slide.svs")).has_value());
  EXPECT_FALSE((*(*store)->FindItemByPath("/nope")).has_value());
  EXPECT_EQ((*store)->GetItem("0123456789abcdef01234567").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*store)->GetItem("bogus").status().code(), StatusCode::kInvalidArgument);

  ItemRecord r2 = r;
  r2.name = "Another.tif";
  r2.path = "/data/another.tif";
  ASSERT_TRUE((*store)->CreateItem(r2).ok());
  auto all = (*store)->ListItems(10, 0, "");
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "Another.tif");
  EXPECT_EQ((*store)->ListItems(10, 0, "SLIDE")->size(), 1u);
  EXPECT_EQ((*store)->ListItems(1, 1, "")->front().name, "slide.svs");
  EXPECT_EQ(*(*store)->CountItems(), 2);
}

TEST(SqliteStoreTest, SurvivesReopenAndConcurrentWriters) {
  TempDir dir;
  const std::string db = dir.path() + "/t.db";
  {
    auto a = OpenSqliteStore(db);
    auto b = OpenSqliteStore(db);  // a second process would do the same
    ASSERT_TRUE(a.ok() && b.ok());
    std::thread ta([&] {
      for (int i = 0; i < 50; ++i) {
        ItemRecord r;
        r.name = "a" + std::to_string(i);
        r.path = "/a/" + std::to_string(i);
        ASSERT_TRUE((*a)->CreateItem(r).ok());
      }
    });
    std::thread tb([&] {
      for (int i = 0; i < 50; ++i) {
        ItemRecord r;
        r.name = "b" + std::to_string(i);
        r.path = "/b/" + std::to_string(i);
        ASSERT_TRUE((*b)->CreateItem(r).ok());
      }
    });
    ta.join();
    tb.join();
  }
  auto again = OpenSqliteStore(db);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->CountItems(), 100);
  auto all = (*again)->ListItems(1000, 0, "");
  std::set<std::string> ids;
  for (auto& r : *all) ids.insert(r.id);
  EXPECT_EQ(ids.size(), 100u);
}

}  // namespace
}  // namespace tessera
