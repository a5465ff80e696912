// The default heatmap algorithm ("adaptive"): quantile search on the tail counts.
// One batch of open-ended counts at a geometric probe grid, then per round one
// batch with a guess for every boundary not yet within `boundary_tolerance` of
// its level (where a monotone cubic through the known tails crosses it), until
// every boundary is close enough or bracketed by one dollar; BuildPartitions
// applies the shared rules.
//
// Overlap with fetching: with ON_FINAL set, after every round the partitions
// no later round is expected to change are reported before the next round is
// sent, so their work items can be published while the rest is refined: when
// the final plan is regular (one cut per level: no heavy dollar known, no two
// boundaries able to meet, no part able to fall under
// min_records_per_partition) and both levels bounding the partition are no
// longer searched. One case escapes: a bracket still searched that holds more
// than the target may reveal a heavy dollar (a single dollar holding more
// than the target), whose cuts change the plan; so may counts that grow
// between rounds. The caller compares what it was told with the returned Plan
// (RunPublisher does). The argument: src/plan/README.md. The returned Plan is
// always exactly the plan made without ON_FINAL.
//
// Partition sizes are differences of queried tails, so the balance reported is
// the balance planned. Algorithm and measured cost: src/plan/README.md. Pure
// apart from calling the count function; thread-compatible.
#pragma once

#include <cstdint>
#include <vector>

#include "plan/plan_types.h"

namespace di::plan {

struct AdaptiveOptions {
  // First-round probe prices (0 is always added).
  std::vector<int64_t> probe_prices = {0, 250, 500, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000};
  // Allowed distance of a boundary's tail count from its level, as a fraction of
  // the target; a partition is then within 1 +/- 2*tolerance of the target.
  double boundary_tolerance = 0.05;
  // Hard cap on refinement rounds (each is one batch).
  int max_rounds = 16;
};

// Plans partitions for the offers `count_batch` sees. Returns the count
// function's error unchanged if a count fails.
// Returns ON_FINAL's error unchanged if it fails.
Result<Plan> PlanAdaptive(const CountBatchFn& count_batch, const PlanOptions& options,
                          const AdaptiveOptions& adaptive = AdaptiveOptions(),
                          const FinalPartitionsFn& on_final = nullptr);

}  // namespace di::plan
