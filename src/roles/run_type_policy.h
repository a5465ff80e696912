// Full or incremental (pure): only a full run soft-deletes the stones the
// vendor no longer offers, so `schedule` starts one by itself when the feed's
// deletions are due. A run is full when
//   - it was asked for (--full), or
//   - there is no watermark yet (nothing was ever synced), or
//   - the feed has no complete full run (consolidated without force), or
//   - the latest one's snapshot (its start) is FULL_RUN_INTERVAL or more ago;
// otherwise incremental. Table test: tests/roles/run_type_policy_test.cpp.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"

namespace di {

struct RunTypeInputs {
  bool full_requested = false;
  bool has_watermark = false;
  std::optional<WallTime> last_complete_full;  // snapshot time of the latest complete full run
  WallTime now{};
  Millis full_run_interval{24 * 3600 * 1000};
};

struct RunTypeDecision {
  bool full = false;
  std::string reason;  // e.g. "the last complete full run is 25 h old (FULL_RUN_INTERVAL 24 h)"
};

RunTypeDecision DecideRunType(const RunTypeInputs& in);

// "90 s", "12 min", "25 h" (whole units, rounded down), for reasons and logs.
std::string DescribeAge(Millis age);

}  // namespace di
