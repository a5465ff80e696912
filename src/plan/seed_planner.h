// The seeds' heatmap algorithm ("--heatmap=seed"), reproduced from the original
// TypeScript scheduler (shaunnez/diamond-opus, apps/scheduler/src/heatmap.ts with
// packages/shared/src/constants.ts): a sequential scan of chunk counts and a
// greedy choice of partition starts, emitted under the shared rules of
// BuildPartitions (overlapping partitions from $0, the last open-ended) plus one
// batch of open-ended counts at the boundaries that makes expected_records exact
// (Plan::attribution_queries). The scan step by step: src/plan/README.md.
// Pure apart from the count function; thread-compatible.
#pragma once

#include <cstdint>

#include "plan/plan_types.h"

namespace di::plan {

struct SeedOptions {
  int64_t min_price = 0;                   // HEATMAP_MIN_PRICE
  int64_t max_price = 250000;              // HEATMAP_MAX_PRICE
  int64_t dense_zone_threshold = 20000;    // HEATMAP_DENSE_ZONE_THRESHOLD
  int64_t dense_zone_step = 100;           // HEATMAP_DENSE_ZONE_STEP
  int64_t initial_step = 100;              // HEATMAP_INITIAL_STEP
  int64_t target_records_per_chunk = 500;  // HEATMAP_TARGET_RECORDS_PER_CHUNK
};

Result<Plan> PlanSeed(const CountBatchFn& count_batch, const PlanOptions& options,
                      const SeedOptions& seed = SeedOptions());

}  // namespace di::plan
