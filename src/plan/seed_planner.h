// The seeds' heatmap algorithm ("--heatmap=seed"), reproduced from the original
// TypeScript scheduler (shaunnez/diamond-opus, apps/scheduler/src/heatmap.ts, the
// version paired with packages/shared/src/constants.ts where
// HEATMAP_DENSE_ZONE_THRESHOLD = 20000 and HEATMAP_MAX_WORKERS = 30).
//
// Scan, one count query at a time (each waits for the previous one):
//   price = min_price (0), step = initial_step (100)
//   while price < max_price (250,000):
//     if price < dense_zone_threshold (20,000): step = dense_zone_step (100)
//     hi = min(price + step, max_price)          (at least price + 1)
//     count {from: price, to: hi}                -> a chunk when count > 0
//     if price >= dense_zone_threshold:
//       count == 0: step = min(step * 5, 100,000)
//       else:       step = clamp(floor(step * 500 / count), 100, 50,000)
//     price = hi + 1
// Then workers = clamp(ceil(chunk total / 1,000), 1, max_partitions), target =
// ceil(chunk total / workers), and a greedy pass closes a partition at the first
// chunk where its running sum reaches the target (or at the last chunk); the
// next partition starts at the next chunk's `from`.
//
// What the original got wrong and this port fixes, identically for every
// algorithm (BuildPartitions): its chunks {p, p+100}, {p+101, ...} skip offers
// priced strictly between two whole dollars, and nothing above $250,000 is
// scanned or assigned. Here the seed's partition starts become the boundaries of
// overlapping partitions from $0 with an open-ended last one, and one extra batch
// of open-ended counts at those boundaries makes expected_records exact
// (Plan::attribution_queries). Pure apart from the count function;
// thread-compatible.
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
