// PostgresServer: a throwaway PostgreSQL server for tests: initdb into a temp dir, then the
// real `postgres` listening on a unix socket in that dir and on a free loopback TCP port, tuned
// for speed (fsync, synchronous_commit and full_page_writes off, small shared_buffers), with
// trust authentication for the `postgres` role. CreateDatabase() hands each test a fresh empty
// database. When the test runs as root (PostgreSQL refuses root), initdb and postgres run as
// the `postgres` system user (setpriv), with the directory given to it.
//
// PostgresEnvironment starts one server per test binary (register it with
// testing::AddGlobalTestEnvironment) and stops it at the end; tests reach it through
// PostgresEnvironment::server(). A test that needs it fails (with error()) when it is missing:
// scripts/setup installs PostgreSQL.
// Thread-safety: one thread at a time (the gtest main thread); CreateDatabase may be called
// from several threads.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "testing/child_process.h"
#include "testing/temp_dir.h"

namespace tessera {

class PostgresServer {
 public:
  // The directory holding initdb and postgres ("" when PostgreSQL is not installed): Debian's
  // /usr/lib/postgresql/<newest>/bin, else `pg_config --bindir`.
  static std::string BinDir();

  // initdb and start; nullptr (and *error says why) on failure.
  static std::unique_ptr<PostgresServer> Start(std::string* error);
  ~PostgresServer();  // fast shutdown, then the directory is removed
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A new empty database (CREATE DATABASE from template0); returns its name, "" on failure.
  std::string CreateDatabase();
  // libpq keyword string for `dbname` over the unix socket, and a postgresql:// URL over TCP.
  std::string ConnInfo(const std::string& dbname) const;
  std::string Url(const std::string& dbname) const;

  // Fast shutdown (connections are closed by the server) and start again on the same data,
  // socket and port; each waits for the real condition (the process gone / the server answering).
  bool Stop();
  bool Restart();
  bool running() { return process_.running(); }

  uint16_t port() const { return port_; }
  const std::string& socket_dir() const { return dir_.path(); }
  std::string Log() const { return process_.Log(); }

 private:
  PostgresServer() = default;
  bool Launch(std::string* error);
  // Runs SQL on the maintenance database `postgres`.
  bool AdminExec(const std::string& sql, std::string* error);

  TempDir dir_;
  std::string bin_dir_;
  std::string data_dir_;
  uint16_t port_ = 0;
  ChildProcess process_;
  std::mutex mu_;
  int next_db_ = 0;
};

class PostgresEnvironment : public testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
  // The server, or nullptr when PostgreSQL is not installed or did not start (error()).
  static PostgresServer* server();
  static const std::string& error();
};

}  // namespace tessera
