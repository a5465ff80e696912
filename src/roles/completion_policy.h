// CompletionPolicy: what happens when a partition of a run ends (pure logic).
//
// With the run's counters after the partition's own increment: while some
// partitions are still running, nothing; when all ended, consolidate now if
// none failed; consolidate later with force when at least `threshold` of them
// succeeded (the seeds' 70% rule); otherwise fail the run with an alert.
#pragma once

namespace di::ingest {

struct RunCounters {
  int expected = 0;
  int completed = 0;
  int failed = 0;
};

enum class RunOutcome {
  kStillRunning,
  kConsolidateNow,
  kConsolidateForcedLater,
  kFailRun,
};

RunOutcome DecideRunOutcome(const RunCounters& counters, double threshold);
const char* RunOutcomeName(RunOutcome outcome);

}  // namespace di::ingest
