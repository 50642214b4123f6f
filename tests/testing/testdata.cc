#include "testing/testdata.h"

#include <cstdlib>
#include <filesystem>

namespace tessera {

std::string TestDataDir() {
  const char* env = std::getenv("TESSERA_TESTDATA");
  if (env && *env) return env;
  return TESSERA_DEFAULT_TESTDATA;
}

std::string TestDataFile(const std::string& name) {
  std::string path = TestDataDir() + "/" + name;
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) ? path : std::string();
}

}  // namespace tessera
