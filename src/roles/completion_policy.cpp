#include "roles/completion_policy.h"

namespace di::ingest {

RunOutcome DecideRunOutcome(const RunCounters& c, double threshold) {
  if (c.completed + c.failed < c.expected) return RunOutcome::kStillRunning;
  if (c.failed == 0) return RunOutcome::kConsolidateNow;
  if (c.expected > 0 && static_cast<double>(c.completed) >= threshold * c.expected) {
    return RunOutcome::kConsolidateForcedLater;
  }
  return RunOutcome::kFailRun;
}

const char* RunOutcomeName(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kStillRunning:
      return "still_running";
    case RunOutcome::kConsolidateNow:
      return "consolidate_now";
    case RunOutcome::kConsolidateForcedLater:
      return "consolidate_forced_later";
    case RunOutcome::kFailRun:
      return "fail_run";
  }
  return "unknown";
}

}  // namespace di::ingest
