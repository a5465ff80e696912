// Cancelling a run (`diamond-ingest cancel --run-id ID`): in one transaction
// the run becomes `cancelled` (terminal: never consolidated, the watermark
// stays where it was) and every partition still pending or running becomes
// `cancelled`. Nothing is sent or removed: a work item of the run delivered
// later finds its partition ended and is completed unhandled; a sweep or a
// consolidation of the run finds it cancelled and is completed too; a
// partition a worker is fetching at that moment ends as a no-op. A new run of
// the feed can start at once (a cancelled run is not in flight).
// Thread-safe (one pooled connection per call).
#pragma once

#include <string>

#include "store/pool.h"

namespace di {

struct Cancelled {
  std::string previous_status;  // running
  int partitions = 0;           // partitions cancelled (those not ended yet)
};

// kNotFound when there is no such run; kConflict unless the run is running
// (a consolidating run ends by itself; completed, failed and cancelled runs
// have ended).
Result<Cancelled> CancelRun(pg::Pool& pool, const std::string& run_id);

}  // namespace di
