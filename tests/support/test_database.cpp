#include "test_database.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>

#include "store/embedded_postgres.h"
#include "store/migrations.h"

namespace di::testing {
namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "TestDatabase: %s\n", what.c_str());
  std::abort();
}

std::string ServerUrl() {
  static std::once_flag once;
  static std::string url;
  std::call_once(once, [] {
    std::string dir = TestDatabase::ServerDir();
    std::ifstream in(dir + "/url");
    if (in && std::getline(in, url) && pg::EmbeddedPostgres::IsRunning(dir)) return;
    pg::EmbeddedOptions options;
    options.dir = dir;
    options.database = "postgres";
    options.durable = false;
    options.max_connections = 300;
    auto started = pg::EmbeddedPostgres::StartOrReuse(options);
    if (!started.ok()) Fail(started.status().ToString());
    url = *started;
    std::ofstream(dir + "/url") << url << "\n";
  });
  return url;
}

std::string WithDatabase(const std::string& server_url, const std::string& db) {
  return server_url.substr(0, server_url.rfind('/') + 1) + db;
}

}  // namespace

std::string TestDatabase::ServerDir() {
  const char* dir = std::getenv("DI_TEST_SERVERS_DIR");
  return std::string(dir ? dir : "/tmp/diamond-ingest-test-servers") + "/pg";
}

std::string TestDatabase::AdminUrl() { return ServerUrl(); }

TestDatabase TestDatabase::Create(bool migrate) {
  static std::atomic<int> counter{0};
  TestDatabase db;
  db.name_ = "t_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  auto admin = pg::Connection::Open(ServerUrl());
  if (!admin.ok()) Fail(admin.status().ToString());
  (void)(*admin)->Exec("DROP DATABASE IF EXISTS " + db.name_);
  auto created = (*admin)->Exec("CREATE DATABASE " + db.name_);
  if (!created.ok()) Fail(created.status().ToString());
  db.url_ = WithDatabase(ServerUrl(), db.name_);
  if (migrate) {
    auto conn = db.Connect();
    auto applied = pg::Migrate(*conn);
    if (!applied.ok()) Fail(applied.status().ToString());
  }
  return db;
}

std::unique_ptr<pg::Connection> TestDatabase::Connect() const {
  auto conn = pg::Connection::Open(url_);
  if (!conn.ok()) Fail(conn.status().ToString());
  return std::move(conn).value();
}

bool TestDatabase::WaitForALockWait() const {
  auto conn = Connect();
  for (int i = 0; i < 1000; ++i) {
    auto r = conn->Exec(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock'");
    if (r.ok() && r->GetInt64(0, 0) > 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace di::testing
