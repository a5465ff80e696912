// The database-fault scenario's private PostgreSQL: see db_faults_postgres.h.
#include "db_faults_postgres.h"

#include <cstdlib>
#include <filesystem>

#include "store/embedded_postgres.h"
#include "store/pg.h"

namespace di::testing::reliability {

std::string PrivatePostgresDir(const std::string& name) {
  const char* base = std::getenv("DI_TEST_SERVERS_DIR");
  return (std::filesystem::path(base ? base : "/tmp/diamond-ingest-test-servers") / (name + "-pg")).string();
}

Result<std::string> StartPrivatePostgres(const std::string& dir, const std::string& database) {
  pg::EmbeddedOptions options;
  options.dir = dir;
  options.database = "postgres";
  options.durable = false;
  options.max_connections = 100;
  DI_ASSIGN_OR_RETURN(std::string admin_url, pg::EmbeddedPostgres::StartOrReuse(options));
  DI_ASSIGN_OR_RETURN(auto admin, pg::Connection::Open(admin_url));
  DI_RETURN_IF_ERROR(admin->Exec("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)").status());
  DI_RETURN_IF_ERROR(admin->Exec("CREATE DATABASE " + database).status());
  return admin_url.substr(0, admin_url.rfind('/') + 1) + database;
}

}  // namespace di::testing::reliability
