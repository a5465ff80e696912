// RunStore: the run-level statements of a consolidation over run_metadata,
// partition_runs, raw_diamonds_nivoda and diamonds (the batch-level ones are in
// batch.h). Functions take a Connection: as thread-safe as that connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "consolidate/run_gate.h"
#include "store/pg.h"
#include "store/run_row.h"

namespace di::consolidate {

// run_metadata.consolidation_stats, cumulative over every pass of the run.
using ConsolidationStats = store::ConsolidationStats;

// The run and its partition counts (store::ReadRun); nullopt when RUN_ID is unknown.
Result<std::optional<RunState>> LoadRunState(pg::Connection& conn, const std::string& run_id);

// Marks the run consolidating (keeping the first start time and recording
// FORCE). Idempotent.
Status BeginConsolidation(pg::Connection& conn, const std::string& run_id, bool force);

struct FinalizeCounts {
  bool already_completed = false;  // another consolidator finished the run first
  int64_t undeleted = 0;
  int64_t deleted = 0;
};

// After every batch: in one transaction (the run row locked), undeletes the
// stones of FEED this run saw, soft-deletes (when SOFT_DELETE) the active
// stones of FEED the run did not see (rows the run saw unchanged are not
// written: their raw row names the run), and stores the
// final counts in consolidation_stats. Idempotent: a second call changes
// nothing and adds zero.
Result<FinalizeCounts> FinalizeRun(pg::Connection& conn, const std::string& run_id, const std::string& feed,
                                   bool soft_delete);

// Marks the run completed (consolidation_completed_at = now(); watermark_after
// = the run's updated_to when WATERMARK_ADVANCED).
Status CompleteRun(pg::Connection& conn, const std::string& run_id, bool watermark_advanced);

// The run's consolidation_stats; all zero when RUN_ID is unknown.
Result<ConsolidationStats> ReadStats(pg::Connection& conn, const std::string& run_id);

}  // namespace di::consolidate
