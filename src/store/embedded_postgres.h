// EmbeddedPostgres: a private PostgreSQL cluster under a directory of ours.
//
// StartOrReuse(dir) initialises DIR/data when it holds no cluster, starts the
// server on 127.0.0.1 (a free port, remembered) unless it is already running,
// and makes sure the database exists. When run as root, the cluster belongs to
// an unprivileged user (default "postgres"), because PostgreSQL refuses root;
// when that user cannot reach DIR (e.g. under a 0700 directory), the cluster
// lives under /var/tmp instead and DIR/cluster says where.
// Stop() shuts it down by the PID in postmaster.pid (fast shutdown);
// Restart() runs `pg_ctl restart -m fast` on it (tests of lost connections).
// Not thread-safe; use it from start-up code.
#pragma once

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
};

}  // namespace di::pg
