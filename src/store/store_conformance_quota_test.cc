// Conformance: the user_quota policy (GetUserQuota / UpdateUserQuota), the effective quota and
// CreateUpload's quota check, alone and raced.
#include <atomic>
#include <thread>

#include "store/store_conformance_test.h"

namespace tessera {

UploadRace RaceUploads(const std::vector<MetadataStore*>& stores, const std::string& user_id,
                       const std::string& folder_id, int threads, int per_thread, int64_t size,
                       int64_t default_bytes) {
  std::atomic<int> ready{0}, accepted{0}, refused{0}, failed{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      MetadataStore* store = stores[static_cast<size_t>(t) % stores.size()];
      ready++;
      while (ready.load() < threads) std::this_thread::yield();  // start together
      for (int i = 0; i < per_thread; ++i) {
        UploadRecord up;
        up.user_id = user_id;
        up.parent_id = folder_id;
        up.name = "race-" + std::to_string(t) + "-" + std::to_string(i);
        up.size = size;
        UploadQuotaCheck quota;
        quota.default_bytes = default_bytes;
        auto made = store->CreateUpload(up, &quota);
        if (made.ok()) {
          accepted++;
        } else if (quota.exceeded) {
          refused++;
        } else {
          ADD_FAILURE() << made.status().ToString();
          failed++;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  UploadRace out;
  out.accepted = accepted.load();
  out.refused = refused.load();
  out.failed = failed.load();
  out.accepted_bytes = out.accepted * size;
  return out;
}

namespace {

TEST(EffectiveFileSizeQuotaTest, DefaultOwnQuotaAndAdmins) {
  const QuotaPolicy by_default;  // no own quota, the default applies
  EXPECT_EQ(EffectiveFileSizeQuota(by_default, false, 1000), 1000);
  EXPECT_EQ(EffectiveFileSizeQuota(by_default, false, 0), std::nullopt);    // 0: no default
  EXPECT_EQ(EffectiveFileSizeQuota(by_default, true, 1000), std::nullopt);  // admins exempt
  // An own quota counts only without the default, and binds admins too.
  QuotaPolicy own{5000, true};
  EXPECT_EQ(EffectiveFileSizeQuota(own, false, 1000), 1000);
  own.use_quota_default = false;
  EXPECT_EQ(EffectiveFileSizeQuota(own, false, 1000), 5000);
  EXPECT_EQ(EffectiveFileSizeQuota(own, true, 1000), 5000);
  EXPECT_EQ(EffectiveFileSizeQuota(own, false, 0), 5000);
  own.file_size_quota = 0;  // nothing at all
  EXPECT_EQ(EffectiveFileSizeQuota(own, false, 1000), 0);
  // No own quota and no default: unlimited, whatever the server default.
  const QuotaPolicy unlimited{std::nullopt, false};
  EXPECT_EQ(EffectiveFileSizeQuota(unlimited, false, 1000), std::nullopt);
}

TEST_P(StoreConformanceTest, QuotaPolicyDefaultsAndChanges) {
  UserRecord alice = AddUser("alice");
  UserRecord bob = AddUser("bob");
  auto p = store_->GetUserQuota(alice.id);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->file_size_quota, std::nullopt);
  EXPECT_TRUE(p->use_quota_default);

  QuotaPolicyChange set;
  set.set_file_size_quota = true;
  set.file_size_quota = int64_t{5} << 40;  // past 32 bits
  p = store_->UpdateUserQuota(alice.id, set);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->file_size_quota, int64_t{5} << 40);
  EXPECT_TRUE(p->use_quota_default);  // not in the change: kept

  QuotaPolicyChange no_default;
  no_default.use_quota_default = false;
  ASSERT_TRUE(store_->UpdateUserQuota(alice.id, no_default).ok());
  p = store_->GetUserQuota(alice.id);
  EXPECT_EQ(p->file_size_quota, int64_t{5} << 40);  // kept
  EXPECT_FALSE(p->use_quota_default);

  // An empty change changes nothing; a negative quota is refused and changes nothing.
  EXPECT_EQ(store_->UpdateUserQuota(alice.id, QuotaPolicyChange())->file_size_quota,
            int64_t{5} << 40);
  QuotaPolicyChange negative;
  negative.set_file_size_quota = true;
  negative.file_size_quota = -1;
  negative.use_quota_default = true;
  EXPECT_EQ(store_->UpdateUserQuota(alice.id, negative).status().code(),
            StatusCode::kInvalidArgument);
  p = store_->GetUserQuota(alice.id);
  EXPECT_EQ(p->file_size_quota, int64_t{5} << 40);
  EXPECT_FALSE(p->use_quota_default);

  // Back to none (null), and a zero quota is a quota.
  QuotaPolicyChange none;
  none.set_file_size_quota = true;
  EXPECT_EQ(store_->UpdateUserQuota(alice.id, none)->file_size_quota, std::nullopt);
  EXPECT_EQ(store_->GetUserQuota(alice.id)->file_size_quota, std::nullopt);
  QuotaPolicyChange zero;
  zero.set_file_size_quota = true;
  zero.file_size_quota = 0;
  EXPECT_EQ(store_->UpdateUserQuota(alice.id, zero)->file_size_quota, 0);
  EXPECT_EQ(store_->GetUserQuota(alice.id)->file_size_quota, 0);

  // Per user; and a user update (name, admin flag, password) leaves the policy alone.
  EXPECT_EQ(store_->GetUserQuota(bob.id)->file_size_quota, std::nullopt);
  EXPECT_TRUE(store_->GetUserQuota(bob.id)->use_quota_default);
  UserRecord renamed = *store_->GetUser(alice.id);
  renamed.first_name = "Alicia";
  renamed.admin = true;
  ASSERT_TRUE(store_->UpdateUser(renamed).ok());
  EXPECT_EQ(store_->GetUserQuota(alice.id)->file_size_quota, 0);
  EXPECT_FALSE(store_->GetUserQuota(alice.id)->use_quota_default);
  EXPECT_EQ(store_->GetUser(alice.id)->first_name, "Alicia");

  EXPECT_EQ(store_->GetUserQuota(kMissingId).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->UpdateUserQuota(kMissingId, set).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetUserQuota("nope").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->UpdateUserQuota("nope", set).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->DeleteUser(alice.id, nullptr).ok());
  EXPECT_EQ(store_->GetUserQuota(alice.id).status().code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, CreateUploadChecksTheEffectiveQuota) {
  UserRecord alice = AddUser("alice");
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  ItemRecord item = AddItem(f.id, "i");
  auto upload = [&](const std::string& user_id, int64_t size, int64_t default_bytes,
                    UploadQuotaCheck* quota) {
    UploadRecord up;
    up.user_id = user_id;
    up.parent_id = f.id;
    up.name = "u.bin";
    up.size = size;
    quota->default_bytes = default_bytes;
    return store_->CreateUpload(up, quota);
  };
  FileRecord file;
  file.item_id = item.id;
  file.name = "f";
  file.size = 600;
  file.path = "/store/f";
  file.creator_id = alice.id;
  ASSERT_TRUE(store_->CreateFile(file).ok());
  file.size = 100000;
  file.path = "/imported/f";
  file.imported = true;  // not in the assetstore: never counted
  ASSERT_TRUE(store_->CreateFile(file).ok());

  // The default (1000): 600 used, 401 more is refused with what applied, nothing is created.
  UploadQuotaCheck q;
  auto over = upload(alice.id, 401, 1000, &q);
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(q.exceeded);
  EXPECT_EQ(q.limit, 1000);
  EXPECT_EQ(q.used, 600);
  EXPECT_TRUE(store_->ListUploads()->empty());
  // Exactly up to it is fine, and the upload then counts with its declared size.
  q = UploadQuotaCheck();
  auto fits = upload(alice.id, 400, 1000, &q);
  ASSERT_TRUE(fits.ok()) << fits.status().ToString();
  EXPECT_FALSE(q.exceeded);
  q = UploadQuotaCheck();
  EXPECT_EQ(upload(alice.id, 1, 1000, &q).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(q.used, 1000);
  q = UploadQuotaCheck();
  EXPECT_TRUE(upload(alice.id, 0, 1000, &q).ok());  // nothing more is always fine at the limit
  // No default (0): no limit at all.
  q = UploadQuotaCheck();
  auto free_for_all = upload(alice.id, 50000, 0, &q);
  ASSERT_TRUE(free_for_all.ok()) << free_for_all.status().ToString();
  ASSERT_TRUE(store_->DeleteUpload(free_for_all->id).ok());
  // Without a check (the CLI, recovery): nothing is checked.
  UploadRecord unchecked;
  unchecked.user_id = alice.id;
  unchecked.parent_id = f.id;
  unchecked.name = "big";
  unchecked.size = 50000;
  auto big = store_->CreateUpload(unchecked, nullptr);
  ASSERT_TRUE(big.ok());
  ASSERT_TRUE(store_->DeleteUpload(big->id).ok());

  // An own quota larger than the default; then smaller; then none (unlimited).
  QuotaPolicyChange own;
  own.set_file_size_quota = true;
  own.file_size_quota = 3000;
  own.use_quota_default = false;
  ASSERT_TRUE(store_->UpdateUserQuota(alice.id, own).ok());
  q = UploadQuotaCheck();
  EXPECT_TRUE(upload(alice.id, 2000, 1000, &q).ok());  // 1000 + 2000 = 3000
  q = UploadQuotaCheck();
  EXPECT_FALSE(upload(alice.id, 1, 1000, &q).ok());
  EXPECT_EQ(q.limit, 3000);
  EXPECT_EQ(q.used, 3000);
  own.file_size_quota = 500;
  ASSERT_TRUE(store_->UpdateUserQuota(alice.id, own).ok());
  q = UploadQuotaCheck();
  EXPECT_FALSE(upload(alice.id, 0, 1000, &q).ok());  // already past it: nothing more at all
  EXPECT_EQ(q.limit, 500);
  QuotaPolicyChange none;
  none.set_file_size_quota = true;
  ASSERT_TRUE(store_->UpdateUserQuota(alice.id, none).ok());
  q = UploadQuotaCheck();
  EXPECT_TRUE(upload(alice.id, int64_t{1} << 50, 1000, &q).ok());

  // Admins: exempt from the default, bound by an own quota.
  UserRecord root;
  root.login = "root";
  root.admin = true;
  root = *store_->CreateUser(root);
  q = UploadQuotaCheck();
  EXPECT_TRUE(upload(root.id, 5000, 1000, &q).ok());
  QuotaPolicyChange admin_quota;
  admin_quota.set_file_size_quota = true;
  admin_quota.file_size_quota = 6000;
  admin_quota.use_quota_default = false;
  ASSERT_TRUE(store_->UpdateUserQuota(root.id, admin_quota).ok());
  q = UploadQuotaCheck();
  EXPECT_TRUE(upload(root.id, 1000, 1000, &q).ok());
  q = UploadQuotaCheck();
  EXPECT_FALSE(upload(root.id, 1, 1000, &q).ok());
  EXPECT_TRUE(q.exceeded);
  EXPECT_EQ(q.used, 6000);

  // The check needs a user that exists; the parent is checked first, as without a quota.
  q = UploadQuotaCheck();
  EXPECT_EQ(upload(kMissingId, 1, 1000, &q).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(q.exceeded);
  q = UploadQuotaCheck();
  EXPECT_EQ(upload("", 1, 1000, &q).status().code(), StatusCode::kInvalidArgument);
}

// Uploads started at the same instant: the check and the insert are one transaction, so together
// they never pass the quota, and every one that fits is accepted (all the same size: exactly
// limit / size of them).
TEST_P(StoreConformanceTest, RacingUploadsNeverPassTheQuota) {
  UserRecord alice = AddUser("alice");
  CollectionRecord c = AddCollection("C", true);
  FolderRecord f = AddFolder(ParentType::kCollection, c.id, "f");
  constexpr int kThreads = 8, kPerThread = 4;
  constexpr int64_t kSize = 300, kQuota = 3000;  // room for 10 of the 32
  UploadRace race =
      RaceUploads({store_.get()}, alice.id, f.id, kThreads, kPerThread, kSize, kQuota);
  EXPECT_EQ(race.failed, 0);
  EXPECT_EQ(race.accepted, kQuota / kSize);
  EXPECT_EQ(race.refused, kThreads * kPerThread - kQuota / kSize);
  EXPECT_LE(race.accepted_bytes, kQuota);
  EXPECT_EQ(*store_->UserStorageBytes(alice.id), race.accepted_bytes);
  EXPECT_EQ(store_->ListUploads()->size(), static_cast<size_t>(race.accepted));
}

}  // namespace
}  // namespace tessera
