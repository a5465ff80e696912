// RunGate: whether a run may be consolidated now, and how (pure decision).
//
//   unknown run                        -> kUnknownRun (dead-letter the message)
//   run already completed              -> kAlreadyCompleted (a duplicate: done)
//   partitions pending or running      -> kNotReady (retry later)
//   failed partitions without force    -> kRefused
//   otherwise                          -> kProceed, with
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

// What the gate needs to know about a run (run_metadata + worker_runs).
struct RunState {
  std::string run_id;
  std::string feed;      // natural | labgrown
  std::string run_type;  // full | incremental
  std::string status;    // running | consolidating | completed | failed
  WallTime updated_to{};
  int64_t partitions = 0;
  int64_t in_progress = 0;  // pending or running
  int64_t failed = 0;
};

enum class GateVerdict { kProceed, kAlreadyCompleted, kNotReady, kRefused, kUnknownRun };
const char* GateVerdictName(GateVerdict v);

struct GateDecision {
  GateVerdict verdict = GateVerdict::kUnknownRun;
  std::string reason;  // one line, for logs and dead-letter descriptions
  bool soft_delete = false;
  bool advance_watermark = false;
};

GateDecision DecideConsolidation(const std::optional<RunState>& run, const std::string& run_id, bool force);

}  // namespace di::consolidate
