// The default heatmap algorithm ("adaptive"): quantile search on the tail counts.
//
// Round 1 sends one batch of open-ended count queries at a geometric probe grid
// ($0, $250, $500, ... $256,000), giving the total and a coarse price
// distribution. With n partitions and target t = total / n, boundary i should sit
// where T(x) = total - i*t. Each further round sends, as one batch, one guess per
// boundary that is not yet good enough: the price where a monotone cubic through
// every known (price, T) point crosses that level, inside the bracket of known
// prices around it. A boundary is good enough when a known price has T within
// `boundary_tolerance * t` of its level, or when its bracket is a single dollar
// (a heavy price that cannot be split). Then each boundary takes its best known
// price and BuildPartitions applies the shared rules. Partition sizes are exact
// (differences of queried tails), so the balance reported is the balance planned.
//
// Cost: |probe grid| + about (n-1) queries per refinement round, usually two or
// three rounds; see README.md for measured numbers. Pure apart from calling the
// count function; thread-compatible.
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
