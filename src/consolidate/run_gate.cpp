#include "consolidate/run_gate.h"

namespace di::consolidate {

const char* ConsolidationOutcomeName(ConsolidationOutcome outcome) {
  switch (outcome) {
    case ConsolidationOutcome::kCompleted:
      return "completed";
    case ConsolidationOutcome::kAlreadyCompleted:
      return "already_completed";
    case ConsolidationOutcome::kNotReady:
      return "not_ready";
    case ConsolidationOutcome::kRefused:
      return "refused";
    case ConsolidationOutcome::kCancelled:
      return "cancelled";
    case ConsolidationOutcome::kUnknownRun:
      break;
  }
  return "unknown_run";
}

GateDecision DecideConsolidation(const std::optional<RunState>& run, const std::string& run_id, bool force) {
  GateDecision d;
  if (!run) {
    d.outcome = ConsolidationOutcome::kUnknownRun;
    d.reason = "no run " + run_id + " in run_metadata";
    return d;
  }
  const std::string counts = std::to_string(run->failed) + " failed, " + std::to_string(run->in_progress) +
                             " in progress, of " + std::to_string(run->partitions) + " partitions";
  if (run->status == "completed") {
    d.outcome = ConsolidationOutcome::kAlreadyCompleted;
    d.reason = "run " + run_id + " is already consolidated";
    return d;
  }
  if (run->status == "cancelled") {
    d.outcome = ConsolidationOutcome::kCancelled;
    d.reason = "run " + run_id + " was cancelled; it is never consolidated";
    return d;
  }
  if (run->in_progress > 0) {
    d.outcome = ConsolidationOutcome::kNotReady;
    d.reason = "run " + run_id + " still has partitions pending or running (" + counts + ")";
    return d;
  }
  if (run->failed > 0 && !force) {
    d.outcome = ConsolidationOutcome::kRefused;
    d.reason = "run " + run_id + " has failed partitions (" + counts + ") and the request is not forced";
    return d;
  }
  if (run->status == "failed" && !force) {
    d.outcome = ConsolidationOutcome::kRefused;
    d.reason = "run " + run_id + " is marked failed and the request is not forced";
    return d;
  }
  d.outcome = std::nullopt;
  d.advance_watermark = run->failed == 0;
  d.soft_delete = run->run_type == "full" && run->failed == 0 && !force;
  d.reason = std::string(force ? "forced " : "") + run->run_type + " run, " + counts;
  return d;
}

}  // namespace di::consolidate
