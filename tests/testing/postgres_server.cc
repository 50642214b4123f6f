#include "testing/postgres_server.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

namespace tessera {
namespace {

// Prefixes a command so that it runs as the `postgres` user when we are root.
std::vector<std::string> AsServerUser(std::vector<std::string> argv) {
  if (geteuid() != 0) return argv;
  std::vector<std::string> out = {FindProgram("setpriv"), "--reuid=postgres", "--regid=postgres",
                                  "--init-groups", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

// Gives `path` (and what is in it) to the postgres user when we are root.
bool ChownToServerUser(const std::string& path, std::string* error) {
  if (geteuid() != 0) return true;
  passwd* pw = getpwnam("postgres");
  if (pw == nullptr) {
    *error = "running as root and there is no `postgres` user to run PostgreSQL as";
    return false;
  }
  if (chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    *error = "chown " + path + " failed";
    return false;
  }
  return true;
}

std::unique_ptr<PostgresServer>& SharedServer() {
  static std::unique_ptr<PostgresServer> server;
  return server;
}

std::string& StartError() {
  static std::string reason;
  return reason;
}

}  // namespace

std::string PostgresServer::BinDir() {
  std::error_code ec;
  std::vector<std::string> versions;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    versions.push_back(e.path().filename().string());
  }
  std::sort(versions.begin(), versions.end(), [](const std::string& a, const std::string& b) {
    return std::atoi(a.c_str()) > std::atoi(b.c_str());
  });
  for (const std::string& v : versions) {
    std::string dir = "/usr/lib/postgresql/" + v + "/bin";
    if (access((dir + "/postgres").c_str(), X_OK) == 0) return dir;
  }
  std::string out;
  if (RunProgram({"pg_config", "--bindir"}, &out) == 0) {
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    if (access((out + "/postgres").c_str(), X_OK) == 0) return out;
  }
  return "";
}

std::unique_ptr<PostgresServer> PostgresServer::Start(std::string* error) {
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  s->bin_dir_ = BinDir();
  if (s->bin_dir_.empty()) {
    *error = "PostgreSQL server programs not found (/usr/lib/postgresql/*/bin)";
    return nullptr;
  }
  if (!ChownToServerUser(s->dir_.path(), error)) return nullptr;
  s->data_dir_ = s->dir_.path() + "/data";
  std::string out;
  // C.UTF-8, not C, on purpose: the store must not depend on the database's locale (its
  // queries compare and sort with COLLATE "C" themselves).
  int rc = RunProgram(
      AsServerUser({s->bin_dir_ + "/initdb", "-D", s->data_dir_, "-U", "postgres", "-A", "trust",
                    "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"}),
      &out);
  if (rc != 0) {
    *error = "initdb failed (" + std::to_string(rc) + "): " + out;
    return nullptr;
  }
  s->port_ = FreeTcpPort();
  if (!s->Launch(error)) return nullptr;
  return s;
}

bool PostgresServer::Launch(std::string* error) {
  std::vector<std::string> argv = AsServerUser({bin_dir_ + "/postgres",
                                                "-D",
                                                data_dir_,
                                                "-k",
                                                dir_.path(),
                                                "-p",
                                                std::to_string(port_),
                                                "-c",
                                                "listen_addresses=127.0.0.1",
                                                "-c",
                                                "fsync=off",
                                                "-c",
                                                "synchronous_commit=off",
                                                "-c",
                                                "full_page_writes=off",
                                                "-c",
                                                "shared_buffers=16MB",
                                                "-c",
                                                "max_connections=200",
                                                "-c",
                                                "unix_socket_permissions=0777",
                                                "-c",
                                                "log_min_messages=warning"});
  const std::string log = dir_.path() + "/postgres.log";
  if (!process_.Start(argv, log)) {
    *error = "cannot start " + bin_dir_ + "/postgres";
    return false;
  }
  const std::string conninfo = ConnInfo("postgres");
  const bool up =
      WaitUntil([&] { return !process_.running() || PQping(conninfo.c_str()) == PQPING_OK; },
                std::chrono::seconds(30));
  if (!up || !process_.running()) {
    *error = "postgres did not come up: " + process_.Log();
    return false;
  }
  return true;
}

PostgresServer::~PostgresServer() {
  if (process_.running()) Stop();
}

bool PostgresServer::Stop() {
  process_.Signal(SIGINT);  // fast shutdown: open sessions are terminated
  if (process_.Wait(std::chrono::seconds(30)) == -1) process_.Stop();
  return !process_.running();
}

bool PostgresServer::Restart() {
  if (process_.running() && !Stop()) return false;
  std::string error;
  if (!Launch(&error)) {
    ADD_FAILURE() << error;
    return false;
  }
  return true;
}

std::string PostgresServer::ConnInfo(const std::string& dbname) const {
  return "host=" + dir_.path() + " port=" + std::to_string(port_) +
         " user=postgres dbname=" + dbname;
}

std::string PostgresServer::Url(const std::string& dbname) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + dbname;
}

bool PostgresServer::AdminExec(const std::string& sql, std::string* error) {
  PGconn* conn = PQconnectdb(ConnInfo("postgres").c_str());
  bool ok = PQstatus(conn) == CONNECTION_OK;
  if (ok) {
    PGresult* res = PQexec(conn, sql.c_str());
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) *error = PQresultErrorMessage(res);
    PQclear(res);
  } else {
    *error = PQerrorMessage(conn);
  }
  PQfinish(conn);
  return ok;
}

std::string PostgresServer::CreateDatabase() {
  std::string name;
  {
    std::lock_guard<std::mutex> lock(mu_);
    name = "test_" + std::to_string(next_db_++);
  }
  std::string error;
  // `name` is ours (a counter), never input. WAL_LOG (not FILE_COPY, which checkpoints) is the
  // quicker copy of a tiny template.
  if (!AdminExec("CREATE DATABASE " + name + " TEMPLATE template0 STRATEGY WAL_LOG", &error)) {
    ADD_FAILURE() << "CREATE DATABASE " << name << ": " << error;
    return "";
  }
  return name;
}

void PostgresEnvironment::SetUp() {
  std::string error;
  SharedServer() = PostgresServer::Start(&error);
  if (SharedServer() == nullptr) StartError() = error;
}

void PostgresEnvironment::TearDown() { SharedServer().reset(); }

PostgresServer* PostgresEnvironment::server() { return SharedServer().get(); }

const std::string& PostgresEnvironment::error() { return StartError(); }

}  // namespace tessera
