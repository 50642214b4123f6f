// The tessera binary itself: serve prints its URL on --port 0 and answers; import prints one
// JSON line per item; info and tile work on real files; every verb has --help; a server killed
// with SIGKILL in the middle of an upload loses nothing that was acknowledged; a full disk in the
// middle of one is a clean 507.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "testing/child_process.h"
#include "testing/http_client.h"
#include "testing/images.h"
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

// import checks a file against the server's open limits (a flag, or the server's --config file):
// a 3-level pyramid becomes a plain item under max-levels 2 (or max-image-side 200) and a large
// image under max-levels 3.
TEST(CliTest, ImportUsesTheConfiguredOpenLimits) {
  TempDir dir;
  std::string error;
  const std::string tiff = VipsEncode(Noise(256, 256, 3, PixelType::kU8),
                                      ".tif[tile,pyramid,tile-width=64,tile-height=64]", &error);
  ASSERT_FALSE(tiff.empty()) << error;
  const std::string path = dir.path() + "/pyramid.tif";
  std::ofstream(path, std::ios::binary) << tiff;
  auto line = [](const CliRun& r) {
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  };

  CliRun low = Exec("import --data " + dir.path() + "/low --max-levels 2 " + path);
  EXPECT_EQ(low.code, 0) << low.out;  // an item, without a large image, with the reason
  nlohmann::json j = line(low);
  EXPECT_EQ(j["id"].get<std::string>().size(), 24u) << low.out;
  EXPECT_EQ(j["largeImage"], false) << low.out;
  EXPECT_NE(j.value("error", "").find("max-levels"), std::string::npos) << low.out;

  std::ofstream(dir.path() + "/server.conf")
      << "data = " << dir.path() << "/raised\nmax-levels = 3\nport = 8123\n";
  CliRun raised = Exec("import --config " + dir.path() + "/server.conf " + path);
  EXPECT_EQ(raised.code, 0) << raised.out;
  j = line(raised);
  EXPECT_EQ(j["largeImage"], true) << raised.out;
  EXPECT_EQ(j["sourceName"], "tiff") << raised.out;
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/raised")) << "data from the config file";
  // A flag wins over the file, as for serve.
  CliRun flag = Exec("import --config " + dir.path() + "/server.conf --data " + dir.path() +
                     "/flag --max-levels 2 " + path);
  EXPECT_EQ(line(flag)["largeImage"], false) << flag.out;
  EXPECT_EQ(Exec("import --max-levels 0 " + path).code, 2);
  // max-image-side too: the 256-pixel image is too long for 200.
  CliRun narrow = Exec("import --data " + dir.path() + "/narrow --max-image-side 200 " + path);
  EXPECT_EQ(narrow.code, 0) << narrow.out;
  j = line(narrow);
  EXPECT_EQ(j["largeImage"], false) << narrow.out;
  EXPECT_NE(j.value("error", "").find("200"), std::string::npos) << narrow.out;
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

// `tessera serve` on a free port over `data`; the port once it listens (0 if it never did).
// No free-space reserve: the tests also run on nearly full disks.
uint16_t StartServe(ChildProcess& p, const std::string& data, const std::string& log) {
  const bool started =
      p.Start({TESSERA_BINARY, "serve", "--port", "0", "--data", data, "--admin-password",
               "kill-test-pw", "--log-level", "warn", "--min-free-disk-bytes", "0"},
              log);
  if (!started) return 0;
  const std::string prefix = "tessera listening on http://127.0.0.1:";
  uint16_t port = 0;
  WaitUntil([&] {
    const std::string out = p.Log();
    const size_t at = out.rfind(prefix);
    if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
      port = static_cast<uint16_t>(std::stoi(out.substr(at + prefix.size())));
    }
    return port != 0 || !p.running();
  });
  return port;
}

nlohmann::json JsonOf(const HttpResult& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

// The admin's token (StartServe's admin password); "" and a test failure when the login fails.
std::string AdminToken(HttpClient& c) {
  HttpResult login = c.Get("/api/v1/user/authentication",
                           {{"Authorization", "Basic " + Base64Encode("admin:kill-test-pw")}});
  EXPECT_EQ(login.status, 200) << login.body;
  if (login.status != 200) return "";
  return JsonOf(login)["authToken"]["token"].get<std::string>();
}

TEST(CliTest, KillDashNineMidUploadLosesNothingAcknowledged) {
  TempDir dir;
  const std::string data = dir.path() + "/data", log = dir.path() + "/serve.log";
  ChildProcess serve;
  uint16_t port = StartServe(serve, data, log);
  ASSERT_NE(port, 0) << serve.Log();
  std::string token, folder;
  {
    HttpClient c("127.0.0.1", port);
    token = AdminToken(c);
    ASSERT_FALSE(token.empty());
    const std::string me = JsonOf(c.Get("/api/v1/user/me", {{"Girder-Token", token}}))["_id"];
    for (const auto& f : JsonOf(
             c.Get("/api/v1/folder?parentType=user&parentId=" + me, {{"Girder-Token", token}}))) {
      if (f["name"] == "Private") folder = f["_id"];
    }
  }
  ASSERT_FALSE(folder.empty());
  const std::vector<std::pair<std::string, std::string>> auth = {{"Girder-Token", token}};
  auto init = [&](HttpClient& c, const std::string& name, size_t size) {
    return JsonOf(c.Request("POST",
                            "/api/v1/file?parentType=folder&parentId=" + folder + "&name=" + name +
                                "&size=" + std::to_string(size) + "&mimeType=image/png",
                            auth));
  };
  auto chunk = [&](HttpClient& c, const std::string& upload, size_t offset,
                   const std::string& bytes) {
    return c.Request(
        "POST", "/api/v1/file/chunk?uploadId=" + upload + "&offset=" + std::to_string(offset),
        {{"Girder-Token", token}, {"Content-Type", "application/octet-stream"}}, bytes);
  };
  const std::string done_png = VipsEncode(Noise(200, 150, 3, PixelType::kU8, 7), ".png");
  const std::string png = VipsEncode(Noise(640, 480, 3, PixelType::kU8, 8), ".png");
  ASSERT_GT(png.size(), 100000u);
  const size_t half = png.size() / 2;
  std::string upload;
  {
    HttpClient c("127.0.0.1", port);
    // One upload completes before the kill...
    nlohmann::json done = init(c, "done.png", done_png.size());
    ASSERT_EQ(chunk(c, done["_id"], 0, done_png).status, 200);
    // ...and one is half acknowledged, then a second chunk is cut off mid-body by SIGKILL.
    upload = init(c, "half.png", png.size())["_id"];
    HttpResult first = chunk(c, upload, 0, png.substr(0, half));
    ASSERT_EQ(first.status, 200) << first.body;
  }
  {
    HttpClient raw("127.0.0.1", port);
    const std::string rest = png.substr(half);
    std::string request =
        "POST /api/v1/file/chunk?uploadId=" + upload + "&offset=" + std::to_string(half) +
        " HTTP/1.1\r\nHost: x\r\nGirder-Token: " + token +
        "\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
        std::to_string(rest.size()) + "\r\n\r\n" + rest.substr(0, rest.size() / 2);
    std::thread sender([&] { raw.Raw(request); });  // blocks: the body is incomplete
    // The server has the partial chunk in flight (or buffered) when it dies.
    serve.Signal(SIGKILL);
    serve.Wait();
    sender.join();
  }
  // A new server on the same data directory.
  ChildProcess again;
  port = StartServe(again, data, dir.path() + "/serve-again.log");
  ASSERT_NE(port, 0) << again.Log();
  HttpClient c("127.0.0.1", port);
  // The acknowledged half is where the upload resumes; the cut-off chunk left nothing.
  HttpResult offset = c.Get("/api/v1/file/offset?uploadId=" + upload, auth);
  ASSERT_EQ(offset.status, 200) << offset.body;
  EXPECT_EQ(JsonOf(offset)["offset"], half);
  nlohmann::json items = JsonOf(c.Get("/api/v1/item?folderId=" + folder, auth));
  ASSERT_EQ(items.size(), 1u) << items.dump();  // the completed upload, and no half item
  EXPECT_EQ(items[0]["name"], "done.png");
  HttpResult last = chunk(c, upload, half, png.substr(half));
  ASSERT_EQ(last.status, 200) << last.body;
  const std::string file_id = JsonOf(last)["_id"];
  // Both files download as exactly the bytes sent.
  EXPECT_EQ(c.Get("/api/v1/file/" + file_id + "/download", auth).body, png);
  items = JsonOf(c.Get("/api/v1/item?folderId=" + folder, auth));
  ASSERT_EQ(items.size(), 2u);
  for (const auto& item : items) {
    nlohmann::json files =
        JsonOf(c.Get("/api/v1/item/" + item["_id"].get<std::string>() + "/files", auth));
    ASSERT_EQ(files.size(), 1u);
    const std::string want = item["name"] == "done.png" ? done_png : png;
    EXPECT_EQ(c.Get("/api/v1/file/" + files[0]["_id"].get<std::string>() + "/download", auth).body,
              want);
    // And they are large images whose tiles decode.
    EXPECT_EQ(c.Get("/api/v1/item/" + item["_id"].get<std::string>() + "/tiles", auth).status, 200);
  }
  EXPECT_EQ(again.Stop(), 0) << again.Log();
}

// A full disk mid-upload, made with a file-size limit on the server process (RLIMIT_FSIZE: its
// writes past 4 MiB fail with EFBIG, as they would with ENOSPC): the chunk that does not fit is a
// clean 507, its bytes are truncated away (the temp file is back at the acknowledged offset), no
// item appears, the server goes on serving and writing what fits, and cancelling the upload
// removes its temp file.
TEST(CliTest, DiskFullMidUploadIsA507AndLeavesNothingBehind) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  ChildProcess serve;
  constexpr size_t kLimit = 4 << 20, kMiB = 1 << 20;
  serve.set_file_size_limit(kLimit);
  uint16_t port = StartServe(serve, data, dir.path() + "/serve.log");
  ASSERT_NE(port, 0) << serve.Log();
  HttpClient c("127.0.0.1", port);
  const std::string token = AdminToken(c);
  ASSERT_FALSE(token.empty());
  const std::vector<std::pair<std::string, std::string>> auth = {{"Girder-Token", token}};
  const std::string me = JsonOf(c.Get("/api/v1/user/me", auth))["_id"];
  std::string folder;
  for (const auto& f : JsonOf(c.Get("/api/v1/folder?parentType=user&parentId=" + me, auth))) {
    if (f["name"] == "Private") folder = f["_id"];
  }
  ASSERT_FALSE(folder.empty());
  auto init = [&](const std::string& name, size_t size) {
    return JsonOf(c.Request("POST",
                            "/api/v1/file?parentType=folder&parentId=" + folder + "&name=" + name +
                                "&size=" + std::to_string(size),
                            auth));
  };
  auto chunk = [&](const std::string& upload, size_t offset, const std::string& bytes) {
    return c.Request(
        "POST", "/api/v1/file/chunk?uploadId=" + upload + "&offset=" + std::to_string(offset),
        {{"Girder-Token", token}, {"Content-Type", "application/octet-stream"}}, bytes);
  };
  auto items = [&] { return JsonOf(c.Get("/api/v1/item?folderId=" + folder, auth)).size(); };

  const std::string upload = init("big.bin", 6 * kMiB).value("_id", "");
  ASSERT_FALSE(upload.empty());
  const std::string temp = data + "/assetstore/temp/" + upload;
  ASSERT_EQ(chunk(upload, 0, std::string(kMiB, 'a')).status, 200);
  // 1 + 5 MiB passes the 4 MiB limit: 3 MiB are written, then EFBIG.
  HttpResult full = chunk(upload, kMiB, std::string(5 * kMiB, 'b'));
  EXPECT_EQ(full.status, 507) << full.body;
  EXPECT_EQ(full.Header("content-type"), "application/json") << full.body;
  nlohmann::json error = JsonOf(full);
  EXPECT_EQ(error["type"], "internal") << full.body;
  EXPECT_EQ(error["message"],
            "Not enough disk space for this chunk: the upload keeps its 1048576 bytes; resume at "
            "offset 1048576 once there is room.");
  // Space reclaimed: the temp file holds exactly the acknowledged bytes.
  EXPECT_EQ(std::filesystem::file_size(temp), kMiB);
  EXPECT_EQ(JsonOf(c.Get("/api/v1/file/offset?uploadId=" + upload, auth))["offset"], kMiB);
  EXPECT_EQ(items(), 0u);
  EXPECT_TRUE(serve.running()) << serve.Log();
  // It keeps serving, and writing what fits: the upload resumes, a small one completes.
  EXPECT_EQ(c.Get("/api/v1/system/check").status, 200);
  HttpResult resumed = chunk(upload, kMiB, std::string(kMiB, 'c'));
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(JsonOf(resumed)["received"], 2 * kMiB);
  const std::string small = init("small.bin", 1000).value("_id", "");
  ASSERT_FALSE(small.empty());
  HttpResult done = chunk(small, 0, std::string(1000, 's'));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(JsonOf(done)["_modelType"], "file");
  EXPECT_EQ(items(), 1u);
  // Cancelling the stuck upload removes its temp file and its record.
  EXPECT_EQ(c.Request("DELETE", "/api/v1/file/upload/" + upload, auth).status, 200);
  EXPECT_FALSE(std::filesystem::exists(temp));
  EXPECT_EQ(c.Get("/api/v1/file/offset?uploadId=" + upload, auth).status, 404);
  EXPECT_EQ(items(), 1u);
  EXPECT_EQ(serve.Stop(), 0) << serve.Log();
}

// SIGTERM: new connections are refused at once, an idle keep-alive connection is closed, and a
// request whose body is still arriving finishes and is answered (Connection: close); then the
// server exits 0.
TEST(CliTest, SigtermDrainsRequestsInFlight) {
  TempDir dir;
  ChildProcess serve;
  uint16_t port = StartServe(serve, dir.path() + "/data", dir.path() + "/serve.log");
  ASSERT_NE(port, 0) << serve.Log();
  HttpClient c("127.0.0.1", port);
  const std::string token = AdminToken(c);
  ASSERT_FALSE(token.empty());
  const std::string me = JsonOf(c.Get("/api/v1/user/me", {{"Girder-Token", token}}))["_id"];
  std::string folder;
  for (const auto& f :
       JsonOf(c.Get("/api/v1/folder?parentType=user&parentId=" + me, {{"Girder-Token", token}}))) {
    if (f["name"] == "Private") folder = f["_id"];
  }
  const std::string png = VipsEncode(Noise(64, 64, 3, PixelType::kU8, 3), ".png");
  const std::string upload =
      JsonOf(c.Request("POST",
                       "/api/v1/file?parentType=folder&parentId=" + folder +
                           "&name=drain.png&size=" + std::to_string(png.size()),
                       {{"Girder-Token", token}}))["_id"];
  ASSERT_FALSE(upload.empty());
  // A raw connection sends the chunk's header and half its body, and waits.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  const std::string head = "POST /api/v1/file/chunk?uploadId=" + upload +
                           "&offset=0 HTTP/1.1\r\nHost: x\r\nGirder-Token: " + token +
                           "\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                           std::to_string(png.size()) + "\r\n\r\n";
  const std::string first = head + png.substr(0, png.size() / 2);
  ASSERT_EQ(send(fd, first.data(), first.size(), 0), static_cast<ssize_t>(first.size()));
  // The idle keep-alive connection `c` is open too. SIGTERM, then wait for the real sign that
  // draining began: the listening socket is closed.
  ASSERT_EQ(c.Get("/api/v1/system/check").status, 200);
  serve.Signal(SIGTERM);
  ASSERT_TRUE(WaitUntil([&] { return !TcpAccepts(port); }, std::chrono::seconds(10)));
  // The idle connection was closed by the server.
  HttpResult idle = c.Get("/api/v1/system/check");
  EXPECT_TRUE(idle.connection_error) << idle.status;
  // The in-flight chunk completes and is answered.
  const std::string rest = png.substr(png.size() / 2);
  ASSERT_EQ(send(fd, rest.data(), rest.size(), MSG_NOSIGNAL), static_cast<ssize_t>(rest.size()))
      << std::strerror(errno) << "\n"
      << serve.Log();
  std::string answer;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) answer.append(buf, static_cast<size_t>(n));
  close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\"_modelType\":\"file\""), std::string::npos) << answer;
  const int status = serve.Wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  // The file it completed is there after a restart.
  ChildProcess again;
  port = StartServe(again, dir.path() + "/data", dir.path() + "/again.log");
  ASSERT_NE(port, 0);
  HttpClient c2("127.0.0.1", port);
  HttpResult listed = c2.Get("/api/v1/item?folderId=" + folder, {{"Girder-Token", token}});
  ASSERT_EQ(listed.status, 200) << listed.error << listed.body << again.Log();
  nlohmann::json items =
      JsonOf(c2.Get("/api/v1/item?folderId=" + folder, {{"Girder-Token", token}}));
  ASSERT_EQ(items.size(), 1u) << items.dump() << answer;
  EXPECT_EQ(items[0]["name"], "drain.png");
}

}  // namespace
}  // namespace tessera
