// Versioned schema migrations from sql/NNN_name.sql, embedded in the binary.
//
// Migrate() applies the missing ones in order, each in its own transaction,
// records them in schema_migrations, and holds a PostgreSQL advisory lock so
// several processes starting at once apply each migration exactly once.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "store/pg.h"

namespace di::pg {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Every migration shipped, in version order.
const std::vector<Migration>& AllMigrations();

// Applies missing migrations. Returns the number applied.
Result<int> Migrate(Connection& conn);

}  // namespace di::pg
