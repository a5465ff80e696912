// TableHealth: how much of a table and of its indexes is live data, for the
// benchmarks (bench_consolidate, bench_health). Reads the statistics views
// (pg_stat_user_tables: live and dead tuple estimates, updates, vacuums) and,
// where the pgstattuple extension is installed, its exact figures (a scan of
// the table: live, dead and free space; pgstatindex: B-tree leaf density).
// Functions take a Connection: as thread-safe as that connection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/pg.h"

namespace di::bench {

struct IndexHealth {
  std::string name;
  int64_t bytes = 0;
  double leaf_density = -1;  // pgstatindex avg_leaf_density in %, -1 when unknown (not a B-tree, no extension)
};

struct TableHealth {
  std::string table;
  int64_t heap_bytes = 0;   // main fork
  int64_t toast_bytes = 0;  // TOAST table and its index
  int64_t index_bytes = 0;  // every index
  // pg_stat_user_tables (estimates; dead = n_dead_tup).
  int64_t live = 0, dead = 0;
  int64_t inserts = 0, updates = 0, hot_updates = 0, deletes = 0;
  int64_t vacuums = 0;  // manual + automatic
  // pgstattuple (exact, -1 when unavailable).
  int64_t exact_live = -1, exact_dead = -1;
  double live_percent = -1, dead_percent = -1, free_percent = -1;  // of the heap
  std::vector<IndexHealth> indexes;
};

// Creates the pgstattuple extension in the connection's database; false when
// it is not installed (or not permitted), and the exact figures stay -1.
bool EnablePgstattuple(pg::Connection& conn);

// Waits until the statistics of finished transactions are visible (backends
// flush them within a second of going idle) and drops the session's cached
// snapshot of them.
Status RefreshStatistics(pg::Connection& conn);

// The health of TABLE; EXACT adds the pgstattuple figures (a full scan).
Result<TableHealth> ReadTableHealth(pg::Connection& conn, const std::string& table, bool exact);

// One line: sizes, live/dead tuples, free space and index leaf densities.
std::string Describe(const TableHealth& h);

}  // namespace di::bench
