// RunRow: one run as the database knows it (run_metadata, with the tallies of
// its partitions and raw offers), and the one reader of run_metadata rows that
// every view uses (status, progress, the `run` summary, the consolidation gate).
//
// Columns are decoded by name, never by position. Times are read with the
// database's microseconds; `read_at` is the database's now() for the read, so
// ages (time since progress, duration so far) use one clock.
// Functions take a Connection: as thread-safe as that connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/pg.h"

namespace di::store {

// run_metadata.consolidation_stats, cumulative over every pass of the run
// (each counter 0 while absent).
struct ConsolidationStats {
  int64_t seen = 0;       // raw rows whose last run is this run (set when the run is finalized)
  int64_t changed = 0;    // of those, mapped or failed because their payload changed
  int64_t unchanged = 0;  // seen - changed: payload as last consolidated
  int64_t mapped = 0;     // rows upserted into diamonds (any run's rows)
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t failed = 0;     // rows recorded in consolidation_failures
  int64_t deleted = 0;    // soft-deleted by this run
  int64_t undeleted = 0;  // deleted stones this run saw again
};

struct RunRow {
  // run_metadata
  std::string run_id;
  std::string feed;      // natural | labgrown
  std::string run_type;  // full | incremental
  std::string status;    // running | consolidating | completed | failed
  WallTime started_at{};
  std::optional<WallTime> completed_at;
  int expected_partitions = 0;  // the run's counters, bumped once per partition end
  int completed_partitions = 0;
  int failed_partitions = 0;
  int64_t expected_records = 0;
  int count_queries = 0;
  std::optional<WallTime> watermark_before;
  std::optional<WallTime> watermark_after;
  std::optional<WallTime> updated_from;  // nullopt for a full run
  WallTime updated_to{};
  bool consolidation_forced = false;
  std::optional<WallTime> consolidation_started_at;
  std::optional<WallTime> consolidation_completed_at;
  std::optional<std::string> error_message;
  ConsolidationStats consolidation;
  // The run's partition rows (partition_runs) by status.
  int partitions = 0;
  int partitions_pending = 0;
  int partitions_running = 0;
  int partitions_failed = 0;
  // partition_progress: pages checkpointed and the newest checkpoint.
  int64_t pages_fetched = 0;
  std::optional<WallTime> last_progress_at;
  // Distinct stones the run stored: consolidation.seen once the run is
  // finalized (a later run takes over the raw rows of the stones it sees),
  // before that the raw rows whose last run is this one (-1: not counted,
  // ReadRun's COUNT_STORED false).
  int64_t offers_stored = 0;
  // Offers the vendor served that could not be stored (raw_offer_failures):
  // distinct offers (by the bytes served), and the rows, one per sighting.
  int64_t offers_unstorable = 0;
  int64_t unstorable_sightings = 0;
  WallTime read_at{};  // the database's now() when read
};

// The run RUN_ID; nullopt when there is none. COUNT_STORED false skips
// counting the raw rows of a run not finalized yet (900,000 index entries:
// 0.6-0.75 s), for a caller that does not show offers_stored.
Result<std::optional<RunRow>> ReadRun(pg::Connection& conn, const std::string& run_id, bool count_stored = true);

struct RunFilter {
  int limit = 20;             // newest first (started_at, then run_id)
  bool running_only = false;  // status = 'running'
};
// The newest runs matching FILTER.
Result<std::vector<RunRow>> ReadRuns(pg::Connection& conn, const RunFilter& filter);

}  // namespace di::store
