#include "consolidate/run_gate.h"

namespace di::consolidate {

const char* GateVerdictName(GateVerdict v) {
  switch (v) {
    case GateVerdict::kProceed:
      return "proceed";
    case GateVerdict::kAlreadyCompleted:
      return "already_completed";
    case GateVerdict::kNotReady:
      return "not_ready";
    case GateVerdict::kRefused:
      return "refused";
    case GateVerdict::kUnknownRun:
      break;
  }
  return "unknown_run";
}

GateDecision DecideConsolidation(const std::optional<RunState>& run, const std::string& run_id, bool force) {
  GateDecision d;
  if (!run) {
    d.verdict = GateVerdict::kUnknownRun;
    d.reason = "no run " + run_id + " in run_metadata";
    return d;
  }
  const std::string counts = std::to_string(run->failed) + " failed, " + std::to_string(run->in_progress) +
                             " in progress, of " + std::to_string(run->partitions) + " partitions";
  if (run->status == "completed") {
    d.verdict = GateVerdict::kAlreadyCompleted;
    d.reason = "run " + run_id + " is already consolidated";
    return d;
  }
  if (run->in_progress > 0) {
    d.verdict = GateVerdict::kNotReady;
    d.reason = "run " + run_id + " still has partitions pending or running (" + counts + ")";
    return d;
  }
  if (run->failed > 0 && !force) {
    d.verdict = GateVerdict::kRefused;
    d.reason = "run " + run_id + " has failed partitions (" + counts + ") and the request is not forced";
    return d;
  }
  if (run->status == "failed" && !force) {
    d.verdict = GateVerdict::kRefused;
    d.reason = "run " + run_id + " is marked failed and the request is not forced";
    return d;
  }
  d.verdict = GateVerdict::kProceed;
  d.advance_watermark = run->failed == 0;
  d.soft_delete = run->run_type == "full" && run->failed == 0 && !force;
  d.reason = std::string(force ? "forced " : "") + run->run_type + " run, " + counts;
  return d;
}

}  // namespace di::consolidate
