// TestDatabase: a fresh, migrated database on the suite's PostgreSQL server.
//
// The server is the one the ctest fixture "pg" started ($DI_TEST_SERVERS_DIR/pg);
// when a test binary runs on its own it starts that server itself (and leaves it
// running for the next binary; `pg_fixture stop` or the fixture stops it).
// Each TestDatabase is a new database, so tests never see each other's rows.
#pragma once

#include <memory>
#include <string>

#include "store/pg.h"

namespace di::testing {

class TestDatabase {
 public:
  // Creates database "t_<pid>_<n>" and applies every migration. Aborts the
  // test binary (with a message) when PostgreSQL cannot be reached.
  static TestDatabase Create(bool migrate = true);

  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }
  // A new connection to this database.
  std::unique_ptr<pg::Connection> Connect() const;
  // Waits (up to 10 s) until a session of this database waits on a lock;
  // false if none did. For tests that commit a competing write only once the
  // code under test is blocked on it.
  bool WaitForALockWait() const;
  // URL of the server's maintenance database (for admin statements).
  static std::string AdminUrl();
  // The cluster directory of the suite's server (for restarts in fault tests).
  static std::string ServerDir();

 private:
  std::string url_;
  std::string name_;
};

}  // namespace di::testing
