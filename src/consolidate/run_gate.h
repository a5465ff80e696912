// RunGate: whether a run may be consolidated now, and how (pure decision).
// A request that stops at the gate ends with its ConsolidationOutcome:
//   unknown run                        -> kUnknownRun (dead-letter the message)
//   run already completed              -> kAlreadyCompleted (a duplicate: done)
//   run cancelled                      -> kCancelled (done: never consolidated)
//   partitions pending or running      -> kNotReady (retry later)
//   failed partitions without force    -> kRefused
//   otherwise                          -> proceed (no outcome yet), with
//     soft_delete       = full run, no failed partition, not forced
//     advance_watermark = no failed partition (a forced run leaves the
//                         watermark where it was, so the next run re-covers
//                         the window of the partitions that failed)
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"

namespace di::consolidate {

// What the gate needs to know about a run (run_metadata + partition_runs).
struct RunState {
  std::string run_id;
  std::string feed;      // natural | labgrown
  std::string run_type;  // full | incremental
  std::string status;    // running | consolidating | completed | failed | cancelled
  WallTime updated_to{};
  int64_t partitions = 0;
  int64_t in_progress = 0;  // pending or running
  int64_t failed = 0;
};

// How a consolidation request ends: kCompleted after a consolidation ran to
// its end, otherwise the gate's answer (above).
enum class ConsolidationOutcome { kCompleted, kAlreadyCompleted, kNotReady, kRefused, kUnknownRun, kCancelled };
// "completed", "already_completed", "not_ready", "refused", "unknown_run", "cancelled".
const char* ConsolidationOutcomeName(ConsolidationOutcome outcome);

struct GateDecision {
  // nullopt: consolidate now. Otherwise the request ends here with this outcome.
  std::optional<ConsolidationOutcome> outcome = ConsolidationOutcome::kUnknownRun;
  bool proceed() const { return !outcome.has_value(); }
  std::string reason;  // one line, for logs and dead-letter descriptions
  bool soft_delete = false;
  bool advance_watermark = false;
};

GateDecision DecideConsolidation(const std::optional<RunState>& run, const std::string& run_id, bool force);

}  // namespace di::consolidate
