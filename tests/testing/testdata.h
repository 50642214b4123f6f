// Where the third-party test images live: $TESSERA_TESTDATA, else ../shared/testdata beside
// the checkout. Tests that need a file skip with a clear message when it is absent:
//
//   TS_REQUIRE_TESTDATA(path, "CMU-1-Small-Region.svs");
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace tessera {

std::string TestDataDir();
// The full path of `name` in the test data folder, or "" when it is not there.
std::string TestDataFile(const std::string& name);

}  // namespace tessera

#define TS_REQUIRE_TESTDATA(var, name)                                                      \
  std::string var = ::tessera::TestDataFile(name);                                          \
  if (var.empty()) {                                                                        \
    GTEST_SKIP() << "test image " << (name) << " not found in " << ::tessera::TestDataDir() \
                 << " (set TESSERA_TESTDATA to the shared testdata folder)";                \
  }
