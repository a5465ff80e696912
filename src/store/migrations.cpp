#include "store/migrations.h"

#include "common/log.h"

namespace di::pg {
namespace {
constexpr const char* kLockKey = "7318829301";  // advisory lock id for migrations
}

Result<int> Migrate(Connection& conn) {
  DI_RETURN_IF_ERROR(conn.Exec("SELECT pg_advisory_lock($1::bigint)", {P(kLockKey)}).status());
  // An unlock fails only with the connection, and the session's lock goes with it.
  auto unlock = [&conn] { (void)conn.Exec("SELECT pg_advisory_unlock($1::bigint)", {P(kLockKey)}); };
  auto apply = [&conn]() -> Result<int> {
    DI_RETURN_IF_ERROR(conn.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                                 " version integer PRIMARY KEY, name text NOT NULL,"
                                 " applied_at timestamptz NOT NULL DEFAULT now())")
                           .status());
    DI_ASSIGN_OR_RETURN(auto applied, conn.Exec("SELECT coalesce(max(version), 0) FROM schema_migrations"));
    int64_t current = applied.GetInt64(0, 0);
    int count = 0;
    for (const Migration& m : AllMigrations()) {
      if (m.version <= current) continue;
      Transaction tx(conn);
      DI_RETURN_IF_ERROR(tx.begin_status());
      Status s = conn.ExecScript(m.sql);
      if (!s.ok()) return Status(s.code(), std::string("migration ") + m.name + ": " + s.message(), s.sqlstate());
      DI_RETURN_IF_ERROR(
          conn.Exec("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", {P(m.version), P(m.name)})
              .status());
      DI_RETURN_IF_ERROR(tx.Commit());
      log::Info("applied migration", {{"migration", m.name}});
      ++count;
    }
    return count;
  };
  Result<int> result = apply();
  unlock();
  return result;
}

}  // namespace di::pg
