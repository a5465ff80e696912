// The database-fault scenario's own PostgreSQL: a private cluster (the
// embedded PostgreSQL code, src/store/embedded_postgres.h) on a directory of
// its own under the build tree, which the scenario may restart
// (pg::EmbeddedPostgres::Restart) without disturbing the suite's shared
// server, and stops by PID (pg::EmbeddedPostgres::Stop). Not thread-safe.
#pragma once

#include <string>

#include "common/status.h"

namespace di::testing::reliability {

// $DI_TEST_SERVERS_DIR/NAME-pg (the build tree under ctest).
std::string PrivatePostgresDir(const std::string& name);
// Starts (or reuses) the cluster of DIR and (re)creates an empty DATABASE.
// Returns the database's URL.
Result<std::string> StartPrivatePostgres(const std::string& dir, const std::string& database);

}  // namespace di::testing::reliability
