// The default heatmap algorithm ("adaptive"): quantile search on the tail counts.
// One batch of open-ended counts at a geometric probe grid, then per round one
// batch with a guess for every boundary not yet within `boundary_tolerance` of
// its level (where a monotone cubic through the known tails crosses it), until
// every boundary is close enough or bracketed by one dollar; BuildPartitions
// applies the shared rules. Partition sizes are differences of queried tails, so
// the balance reported is the balance planned. Algorithm and measured cost:
// src/plan/README.md. Pure apart from calling the count function;
// thread-compatible.
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
Result<Plan> PlanAdaptive(const CountBatchFn& count_batch, const PlanOptions& options,
                          const AdaptiveOptions& adaptive = AdaptiveOptions());

}  // namespace di::plan
