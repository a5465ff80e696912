// diamond-ingest db status|stop: the embedded PostgreSQL under DI_DATA_DIR/pg
// (store/embedded_postgres.h, src/store/README.md). Neither starts it.
//
// status: whether it runs, where (cluster, socket, URL), which version; exit 0
//         whether or not it runs (1 only when it cannot be inspected).
// stop:   fast shutdown by the PID in its postmaster.pid; exit 0 when it is
//         stopped (or was not running), 1 with one stderr line otherwise.
#include <cstdio>
#include <string>

#include "app/commands.h"
#include "app/components.h"
#include "store/embedded_postgres.h"
#include "store/pg.h"

namespace di {
namespace {

// The running server's version ("15.8 (Debian ...)"), or "" when it cannot be asked.
std::string ServerVersion(const std::string& url) {
  auto conn = pg::Connection::Open(url);
  if (!conn.ok()) return "";
  auto version = (*conn)->Exec("SHOW server_version");
  return version.ok() && version->rows() == 1 ? version->GetString(0, 0) : "";
}

void PrintStatus(const Config& config, const std::string& dir, const pg::EmbeddedState& st) {
  if (!config.database_url.empty()) {
    std::printf("DATABASE_URL is set: commands use that database, not the embedded PostgreSQL below\n");
  }
  if (!st.initialised && !st.running) {
    std::printf("embedded PostgreSQL: none under %s (created by the first command that needs a database)\n",
                dir.c_str());
    return;
  }
  if (st.running) {
    std::printf("embedded PostgreSQL: running (pid %lld)\n", static_cast<long long>(st.pid));
  } else {
    std::printf("embedded PostgreSQL: stopped (started again by the next command that needs a database)\n");
  }
  std::printf("  directory: %s (DI_DATA_DIR/pg)\n", dir.c_str());
  if (st.cluster_dir != dir)
    std::printf("  cluster:   %s (the postgres user cannot reach the directory)\n", st.cluster_dir.c_str());
  if (st.running) {
    const bool tcp = !st.listen_address.empty();
    std::printf("  socket:    %s (Unix socket only, directory mode 0700%s)\n", st.socket_dir.c_str(),
                tcp ? "; ALSO listening on TCP " : "; no TCP");
    if (tcp)
      std::printf("  tcp:       %s (started by an older version: the next command restarts it)\n",
                  st.listen_address.c_str());
    std::printf("  url:       %s\n", st.url.c_str());
    const std::string version = ServerVersion(st.url);
    std::printf("  version:   PostgreSQL %s\n", version.empty() ? "(not answering)" : version.c_str());
  }
  std::printf("  data:      PostgreSQL %s data directory; server binaries %s\n",
              st.data_version.empty() ? "?" : st.data_version.c_str(),
              st.server_bin.empty() ? "not found" : st.server_bin.c_str());
}

}  // namespace

int RunDb(const Config& config, const DbOptions& options) {
  const std::string dir = EmbeddedPostgresDir(config);
  if (dir.empty()) {
    std::fprintf(stderr, "diamond-ingest db: DI_DATA_DIR: unset, and neither XDG_DATA_HOME nor HOME gives a default\n");
    return kExitUsage;
  }
  const pg::EmbeddedState st = pg::EmbeddedPostgres::Inspect(dir);
  if (options.action == "status") {
    PrintStatus(config, dir, st);
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
  }
  if (!st.running) {
    std::printf("embedded PostgreSQL under %s was not running\n", dir.c_str());
    return kExitOk;
  }
  Status stopped = pg::EmbeddedPostgres::Stop(dir);
  if (!stopped.ok()) {
    std::fprintf(stderr, "diamond-ingest db stop: %s\n", stopped.message().c_str());
    return kExitFailure;
  }
  std::printf("stopped the embedded PostgreSQL under %s (pid %lld)\n", dir.c_str(), static_cast<long long>(st.pid));
  return kExitOk;
}

}  // namespace di
