// Retention: how long run history, request tallies and dead letters are kept,
// and the pruning that enforces it (issue 18, "The tables stay healthy over
// time"). The consolidator prunes after every run it completes
// (Consolidator::ConsolidateRun); `diamond-ingest prune` does it on demand.
//
// What is old enough is decided by pure functions (RetentionCutoffs,
// RunsToPrune); PruneHistory reads the facts, asks them and deletes in small
// batches, one short transaction each, so no lock is held for long.
//
// Never deleted: a run that is running or consolidating, the latest
// RUN_HISTORY_KEEP_RUNS runs of each feed, each feed's latest completed run and
// latest complete full run (what the watermark and the full/incremental
// decision refer to) and every run started since it (a full run's soft delete
// checks the raw rows they last saw), the run a `watermarks` row names; request tallies of a
// run in flight; dead letters whose consequence has not been applied yet
// (handled_at IS NULL). A deleted run takes its partitions, progress and price
// bins with it (ON DELETE CASCADE) and its diamond_changes, raw_offer_failures
// and request_seconds rows (no foreign key) in the same transaction.
//
// Thread-safety: the pure functions are; PruneHistory takes connections from
// the pool and may run in several processes at once (each batch deletes what
// is still there).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "config/config.h"
#include "store/pool.h"

namespace di {

struct RetentionPolicy {
  Millis run_history{Millis(90LL * 86400000)};      // RUN_HISTORY_RETENTION_DAYS; 0: keep every run
  int keep_runs = 48;                               // RUN_HISTORY_KEEP_RUNS per feed, whatever their age
  Millis request_seconds{Millis(14LL * 86400000)};  // REQUEST_SECONDS_RETENTION_DAYS; 0: keep
  Millis dead_letters{Millis(30LL * 86400000)};     // DEAD_LETTER_RETENTION_DAYS; 0: keep
  int batch_size = 500;                             // rows (runs: run ids) per delete transaction
};

RetentionPolicy MakeRetentionPolicy(const Config& config);

// Rows older than these are due; nullopt: that kind is kept forever.
struct RetentionCutoffs {
  std::optional<WallTime> runs_started_before;
  std::optional<WallTime> request_seconds_before;
  std::optional<WallTime> dead_letters_before;
};
RetentionCutoffs CutoffsAt(WallTime now, const RetentionPolicy& policy);

// What pruning needs to know of one run.
struct RunFacts {
  std::string run_id;
  std::string feed;
  std::string run_type;  // full | incremental
  std::string status;    // running | consolidating | completed | failed | cancelled
  WallTime started_at;
  bool forced = false;  // consolidation_forced
};

// The runs of RUNS that may be deleted (in RUNS' order): started before
// CUTOFF (none when nullopt), ended, and none of the runs kept whatever their
// age (header). WATERMARK_RUNS: run ids the watermark rows name.
std::vector<std::string> RunsToPrune(const std::vector<RunFacts>& runs, const std::set<std::string>& watermark_runs,
                                     std::optional<WallTime> cutoff, int keep_runs);

struct PruneCounts {
  int64_t runs = 0;             // run_metadata rows (their partitions, progress, bins cascade)
  int64_t diamond_changes = 0;  // rows of the deleted runs
  int64_t offer_failures = 0;   // raw_offer_failures of the deleted runs
  int64_t request_seconds = 0;  // of the deleted runs and older than their cutoff
  int64_t dead_letters = 0;
  int64_t transactions = 0;  // delete batches committed
};

// Prunes what POLICY says is old at NOW: PruneOlderThan(CutoffsAt(NOW)).
Result<PruneCounts> PruneHistory(pg::Pool& pool, const RetentionPolicy& policy, WallTime now);
// Deletes the runs RunsToPrune chooses for CUTOFFS.runs_started_before, the
// request tallies and handled dead letters older than their cutoffs, in
// transactions of at most POLICY.batch_size rows (runs); logs one line with
// the counts. Stops at the first error (what was committed stays deleted; the
// next call continues). bench_table_health calls it with simulated cutoffs.
Result<PruneCounts> PruneOlderThan(pg::Pool& pool, const RetentionPolicy& policy, const RetentionCutoffs& cutoffs);

}  // namespace di
