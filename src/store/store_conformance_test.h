// The MetadataStore conformance suite: every behaviour metadata_store.h promises, written once
// and run against each implementation. A backend instantiates it with a factory that returns a
// fresh, empty store per test:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//                            testing::Values(StoreConformanceParam{"sqlite", MakeStore}),
//                            StoreConformanceName);
//
// The suite's sources (store_conformance_test.cc, store_conformance_folders_test.cc,
// store_conformance_items_test.cc, store_conformance_paging_test.cc,
// store_conformance_quota_test.cc) are compiled into each backend's test binary.
// Thread-safety: gtest fixtures; one test at a time.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/metadata_store.h"

namespace tessera {

// A well-formed id that no store assigns in a test.
inline constexpr char kMissingId[] = "0123456789abcdef01234567";

inline std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

using StoreFactory = std::function<std::unique_ptr<MetadataStore>()>;

struct StoreConformanceParam {
  std::string name;
  StoreFactory make;
};

inline std::string StoreConformanceName(const testing::TestParamInfo<StoreConformanceParam>& info) {
  return info.param.name;
}

inline void PrintTo(const StoreConformanceParam& p, std::ostream* os) { *os << p.name; }

class StoreConformanceTest : public testing::TestWithParam<StoreConformanceParam> {
 protected:
  void SetUp() override;

  // Records with just enough filled in; each ASSERTs that the store accepted it.
  UserRecord AddUser(const std::string& login);
  CollectionRecord AddCollection(const std::string& name, bool is_public,
                                 const std::vector<AccessGrant>& grants = {});
  FolderRecord AddFolder(ParentType parent_type, const std::string& parent_id,
                         const std::string& name, const AccessList& access = {});
  ItemRecord AddItem(const std::string& folder_id, const std::string& name, int64_t created_ms = 0);
  FileRecord AddFile(const std::string& item_id, int64_t size, const std::string& path,
                     bool imported = false);

  // Names of the listed records, in order.
  template <typename T>
  static std::vector<std::string> Names(const std::vector<T>& records) {
    std::vector<std::string> out;
    for (const T& r : records) out.push_back(r.name);
    return out;
  }

  std::unique_ptr<MetadataStore> store_;
};

// What RaceUploads saw.
struct UploadRace {
  int accepted = 0;
  int refused = 0;  // for the quota (UploadQuotaCheck::exceeded)
  int failed = 0;   // any other error (logged as a test failure)
  int64_t accepted_bytes = 0;
};

// `threads` threads, released together, each ask for `per_thread` uploads of `size` bytes by
// `user_id` into `folder_id` with the quota check (`default_bytes`), thread i through
// stores[i % stores.size()] (several stores: several connections to one database).
// store_conformance_quota_test.cc.
UploadRace RaceUploads(const std::vector<MetadataStore*>& stores, const std::string& user_id,
                       const std::string& folder_id, int threads, int per_thread, int64_t size,
                       int64_t default_bytes);

}  // namespace tessera
