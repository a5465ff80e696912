// Sample runs written straight into a test database: run_metadata,
// partition_runs, partition_progress, raw offers with log-normal prices,
// request_seconds, so status and report tests see a run in any state without
// running the pipeline. Deterministic for a given seed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/pg.h"

namespace di::testing {

struct SampleRun {
  std::string run_id = "run-sample";
  std::string status = "completed";  // run_metadata.status
  std::string run_type = "full";
  int64_t started_seconds_ago = 900;
  int64_t duration_seconds = 600;    // partitions' work spans this; completed_at for ended runs
  int64_t progress_seconds_ago = 5;  // partition_progress.updated_at of every partition
  int offers = 20000;                // raw offers stored by the run
  // One entry per partition: completed | failed | running | pending.
  std::vector<std::string> partitions = std::vector<std::string>(12, "completed");
  int requests_per_second = 23;  // request_seconds over the duration
  bool consolidated = true;      // consolidation_* and watermark_after set
  uint32_t seed = 7;
};

struct SampleRunFacts {
  int64_t expected_records = 0;  // == offers
  int64_t records_fetched = 0;   // stones stored by the run (raw rows)
  int64_t requests = 0;
  int64_t rate_limited = 0;
  std::vector<int64_t> lower_bounds;  // partitions' price_min
};

// REQUIRES: a migrated database. Aborts the test (ADD_FAILURE) on SQL errors.
SampleRunFacts InsertSampleRun(pg::Connection& conn, const SampleRun& run);

}  // namespace di::testing
