// diamond-ingest migrate: applies the schema migrations and exits.
#include "app/commands.h"
#include "app/components.h"
#include "common/log.h"
#include "store/migrations.h"

namespace di {

int RunMigrate(const Config& config, const MigrateOptions&) {
  auto url = ResolveDatabaseUrl(config);
  if (!url.ok()) {
    log::Error("cannot reach the database", {{"error", url.status().ToString()}});
    return kExitFailure;
  }
  auto conn = pg::Connection::Open(*url);
  if (!conn.ok()) {
    log::Error("cannot connect to the database", {{"error", conn.status().ToString()}});
    return kExitFailure;
  }
  auto applied = pg::Migrate(**conn);
  if (!applied.ok()) {
    log::Error("migration failed", {{"error", applied.status().ToString()}});
    return kExitFailure;
  }
  log::Info("schema is up to date",
            {{"applied", *applied}, {"migrations", static_cast<int64_t>(pg::AllMigrations().size())}});
  return kExitOk;
}

}  // namespace di
