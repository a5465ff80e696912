// pg_fixture start|stop DIR: the ctest fixture that starts the suite's private
// PostgreSQL (through the same EmbeddedPostgres helper the tool uses) and stops
// it by PID. `start` writes the server URL to DIR/url and drops the databases
// earlier test runs left (TestDatabase's t_<pid>_<n>; about 2 GB per full run),
// so a developer's repeated `make test` does not fill the disk.
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "store/embedded_postgres.h"
#include "store/pg.h"

namespace {

// Drops the t_<pid>_<n> databases of test processes no longer running (a
// second ctest against the same server keeps its databases). Each DROP forces a
// checkpoint (about a second on a loaded machine): at most 45 s here, the rest
// at the next start, so the fixture stays within its ctest timeout.
void DropLeftoverTestDatabases(const std::string& url) {
  auto conn = di::pg::Connection::Open(url);
  if (!conn.ok()) return;
  auto names = (*conn)->Exec(
      "SELECT datname, split_part(datname, '_', 2)::int FROM pg_database"
      " WHERE datname ~ '^t_[0-9]{1,9}_[0-9]+$'");
  if (!names.ok()) return;
  int dropped = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(45);
  for (int i = 0; i < names->rows() && std::chrono::steady_clock::now() < deadline; ++i) {
    const pid_t owner = static_cast<pid_t>(names->GetInt64(i, 1));
    if (kill(owner, 0) == 0 || errno != ESRCH) continue;  // its test process still runs
    if ((*conn)->Exec("DROP DATABASE IF EXISTS " + names->GetString(i, 0) + " WITH (FORCE)").ok()) ++dropped;
  }
  if (dropped > 0) std::printf("pg_fixture: dropped %d of %d leftover databases\n", dropped, names->rows());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: pg_fixture start|stop DIR\n");
    return 2;
  }
  std::string cmd = argv[1];
  std::string dir = argv[2];
  if (cmd == "start") {
    di::pg::EmbeddedOptions options;
    options.dir = dir;
    options.database = "postgres";
    options.durable = false;
    options.max_connections = 300;
    auto url = di::pg::EmbeddedPostgres::StartOrReuse(options);
    if (!url.ok()) {
      std::fprintf(stderr, "pg_fixture: %s\n", url.status().ToString().c_str());
      return 1;
    }
    DropLeftoverTestDatabases(*url);
    std::ofstream(dir + "/url") << *url << "\n";
    std::printf("pg_fixture: PostgreSQL at %s\n", url->c_str());
    return 0;
  }
  if (cmd == "stop") {
    auto status = di::pg::EmbeddedPostgres::Stop(dir);
    if (!status.ok()) {
      std::fprintf(stderr, "pg_fixture: %s\n", status.ToString().c_str());
      return 1;
    }
    std::printf("pg_fixture: stopped\n");
    return 0;
  }
  std::fprintf(stderr, "usage: pg_fixture start|stop DIR\n");
  return 2;
}
