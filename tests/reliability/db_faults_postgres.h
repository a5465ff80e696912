// The database-fault scenario's own PostgreSQL: a private cluster (the
// embedded PostgreSQL code, src/store/embedded_postgres.h) on a directory of
// its own under the build tree, which the scenario may restart without
// disturbing the suite's shared server. Restart runs `pg_ctl restart -m fast`
// as the cluster's user, the way the embedded code runs pg_ctl; Stop shuts it
// down by the PID in postmaster.pid. Not thread-safe.
#pragma once

#include <string>

#include "common/status.h"

namespace di::testing::reliability {

// $DI_TEST_SERVERS_DIR/NAME-pg (the build tree under ctest).
std::string PrivatePostgresDir(const std::string& name);
// Starts (or reuses) the cluster of DIR and (re)creates an empty DATABASE.
// Returns the database's URL.
Result<std::string> StartPrivatePostgres(const std::string& dir, const std::string& database);
// pg_ctl restart -m fast -w: every connection is dropped; same port after.
Status RestartPrivatePostgres(const std::string& dir);
// Fast shutdown by PID; waits until the server is gone.
Status StopPrivatePostgres(const std::string& dir);

}  // namespace di::testing::reliability
