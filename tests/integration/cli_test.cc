// The tessera binary itself: serve prints its URL on --port 0 and answers; import prints one
// JSON line per item; info and tile work on real files; every verb has --help.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "testing/http_client.h"
#include "testing/reference.h"
#include "testing/temp_dir.h"
#include "testing/testdata.h"

namespace tessera {
namespace {

struct CliRun {
  int code = -1;
  std::string out;
};

CliRun Exec(const std::string& args) {
  CliRun r;
  std::string cmd = std::string(TESSERA_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(CliTest, EveryVerbHasHelp) {
  for (const char* verb : {"serve", "import", "info", "tile"}) {
    CliRun r = Exec(std::string(verb) + " --help");
    EXPECT_EQ(r.code, 0) << verb;
    EXPECT_NE(r.out.find(std::string("usage: tessera ") + verb), std::string::npos) << r.out;
  }
  CliRun none = Exec("");
  EXPECT_EQ(none.code, 2);
  EXPECT_EQ(Exec("frobnicate").code, 2);
  EXPECT_EQ(Exec("serve --port nope").code, 2);
}

TEST(CliTest, ImportThenServeOnAFreePort) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  TS_REQUIRE_TESTDATA(junk, "README.md");
  TempDir dir;
  CliRun imp = Exec("import --data " + dir.path() + " " + svs + " " + junk);
  EXPECT_EQ(imp.code, 1);  // README.md is not an image
  std::istringstream lines(imp.out);
  std::string line, id;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    ++n;
    if (j["name"] == "CMU-1-Small-Region.svs") {
      id = j["id"];
      EXPECT_EQ(j["largeImage"], true);
      EXPECT_EQ(j["sourceName"], "tiff");
      EXPECT_EQ(j["path"], std::filesystem::weakly_canonical(svs).string());
    } else {
      EXPECT_TRUE(j["id"].is_null());
      EXPECT_TRUE(j.contains("error"));
    }
  }
  EXPECT_EQ(n, 2);
  ASSERT_EQ(id.size(), 24u);
  // Importing again reports the existing item.
  CliRun again = Exec("import --data " + dir.path() + " " + svs);
  EXPECT_EQ(again.code, 0);
  EXPECT_NE(again.out.find("\"existing\":true"), std::string::npos);

  // serve --port 0 prints the URL it listens on.
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], STDOUT_FILENO);
    close(pipefd[0]);
    execl(TESSERA_BINARY, "tessera", "serve", "--port", "0", "--data", dir.path().c_str(),
          "--log-level", "error", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipefd[1]);
  // The first start prints the generated admin password, then the URL once listening.
  const std::string prefix = "tessera listening on http://127.0.0.1:";
  std::string printed, all;
  char c;
  while (printed.rfind(prefix, 0) != 0) {
    printed.clear();
    bool got = false;
    while ((got = read(pipefd[0], &c, 1) == 1) && c != '\n') printed += c;  // blocks
    all += printed + "\n";
    if (!got) break;
  }
  close(pipefd[0]);
  if (printed.rfind(prefix, 0) != 0) kill(pid, SIGKILL);
  ASSERT_EQ(printed.rfind(prefix, 0), 0u) << all;
  EXPECT_NE(all.find("created the admin user 'admin' with password "), std::string::npos) << all;
  uint16_t port = static_cast<uint16_t>(std::stoi(printed.substr(prefix.size())));
  HttpClient client("127.0.0.1", port);
  HttpResult meta = client.Get("/api/v1/item/" + id + "/tiles");
  EXPECT_EQ(meta.status, 200) << meta.body;
  EXPECT_EQ(client.Get("/api/v1/item/" + id + "/tiles/zxy/4/0/0").status, 200);
  HttpResult page = client.Get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.Header("content-type").find("text/html"), std::string::npos);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(CliTest, InfoAndTile) {
  TS_REQUIRE_TESTDATA(svs, "CMU-1-Small-Region.svs");
  CliRun info = Exec("info " + svs);
  ASSERT_EQ(info.code, 0) << info.out;
  auto j = nlohmann::json::parse(info.out);
  EXPECT_EQ(j["sizeX"], 2220);
  EXPECT_EQ(j["tessera"]["sourceName"], "tiff");
  EXPECT_EQ(j["tessera"]["levels"][4]["stored"], true);
  EXPECT_EQ(j["tessera"]["levels"][3]["stored"], false);
  TempDir dir;
  std::string out = dir.path() + "/t.png";
  CliRun tile = Exec("tile " + svs + " 2 1 1 --encoding PNG -o " + out);
  ASSERT_EQ(tile.code, 0) << tile.out;
  auto img = VipsLoad(out);
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img->width(), 240);
  CliRun bad = Exec("info " + TestDataDir() + "/unopenable.tiff");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("unopenable.tiff"), std::string::npos);
  CliRun range = Exec("tile " + svs + " 9 0 0");
  EXPECT_NE(range.code, 0);
  EXPECT_NE(range.out.find("z layer does not exist"), std::string::npos);
}

}  // namespace
}  // namespace tessera
