// EmbeddedPostgres: a private PostgreSQL cluster under a directory of ours.
//
// StartOrReuse(dir) initialises DIR/data when it holds no cluster, starts the
// server unless it is already running, and makes sure the database exists.
// The server listens on no TCP address: only on a Unix socket in DIR/socket,
// a 0700 directory (socket file 0700 too), so only the cluster's OS user and
// root can connect; other local users are refused by the file system before
// PostgreSQL sees them. Socket connections are trusted, host ones rejected.
// URLs name the socket directory as the percent-encoded host:
// postgresql://postgres@%2Fpath%2Fsocket:5432/db (libpq, psql).
// A server an older version started on 127.0.0.1 is restarted this way.
// When run as root, the cluster belongs to an unprivileged user (default
// "postgres"), because PostgreSQL refuses root; when that user cannot reach
// DIR (e.g. under a 0700 directory), the cluster lives under /var/tmp instead
// and DIR/cluster says where.
// Stop() shuts it down by the PID in postmaster.pid (fast shutdown);
// Restart() runs `pg_ctl restart -m fast` on it (tests of lost connections);
// Inspect() says whether it runs, where and which version, without starting it.
// Not thread-safe; use it from start-up code. Operator docs: src/store/README.md.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace di::pg {

struct EmbeddedOptions {
  std::string dir;  // cluster directory (data/, log, socket)
  std::string database = "diamond_ingest";
  std::string os_user = "postgres";  // used only when running as root
  bool durable = true;               // false: fsync off (tests)
  int max_connections = 200;
};

// What Inspect() finds in a cluster directory (nothing is started).
struct EmbeddedState {
  bool initialised = false;    // DATA/PG_VERSION exists
  bool running = false;        // postmaster.pid names a live process
  int64_t pid = 0;             // when running
  std::string cluster_dir;     // where the cluster lives (DIR, or where DIR/cluster points)
  std::string socket_dir;      // where its socket is (cluster_dir/socket)
  std::string data_version;    // major version of the data directory (PG_VERSION), e.g. "15"
  std::string server_bin;      // the newest /usr/lib/postgresql/N/bin, used to start it
  std::string url;             // when running: the URL of the database asked for
  std::string listen_address;  // when running: its TCP address ("" = none, as it should be)
};

class EmbeddedPostgres {
 public:
  // Initialises and starts (or reuses) the cluster. Returns its URL.
  static Result<std::string> StartOrReuse(const EmbeddedOptions& options);
  // Fast shutdown of the server running in DIR, by PID; waits until it is gone.
  static Status Stop(const std::string& dir);
  // `pg_ctl restart -m fast -w` of the cluster of DIR (as OS_USER when we
  // are root): every connection is dropped; same port and options after.
  static Status Restart(const std::string& dir, const std::string& os_user = "postgres");
  // True when the server of DIR is running.
  static bool IsRunning(const std::string& dir);
  // The state of the cluster of DIR; URL for DATABASE.
  static EmbeddedState Inspect(const std::string& dir, const std::string& database = "diamond_ingest");
};

}  // namespace di::pg
