// Partition building shared by every heatmap algorithm: from chosen boundary
// prices and known tail counts to the final, rule-abiding partition list.
//
// Rules enforced (see plan_types.h for the overlap and attribution convention):
//  - contiguous from $0, last partition open-ended, strictly increasing bounds
//    (never an inverted or empty range);
//  - a whole-dollar price [x, x+1) known to hold more than `target` offers is a
//    partition of its own, [x, x+1] (it cannot be split by price);
//  - at most options.max_partitions partitions; every partition holds at least
//    options.min_records_per_partition offers unless the total is smaller (then a
//    single partition); both by merging the smallest neighbour pairs, keeping a
//    heavy single dollar's bounds when another merge is possible;
//  - expected_records exact from tail counts, summing to T(0).
// Pure function; thread-compatible.
#pragma once

#include <cstdint>
#include <vector>

#include "plan/plan_types.h"
#include "plan/tail_counts.h"

namespace di::plan {

// The partition count and per-partition target for `total` offers:
// count = clamp(floor(total / min_records), 1, max_partitions),
// target = ceil(total / count). REQUIRES: total > 0.
struct PartitionTarget {
  int count = 1;
  int64_t target = 0;
};
PartitionTarget ComputeTarget(int64_t total, const PlanOptions& options);

// A price where BuildPartitions may cut, and whether it bounds a heavy dollar
// (a known [x, x+1) holding more than the target).
struct Cut {
  int64_t price = 0;
  bool heavy = false;
};

// The cuts BuildPartitions starts from, before any merge, ascending: $0, every
// boundary > 0 and both bounds of every heavy dollar known to `tails`.
// REQUIRES: every boundary known to `tails`.
std::vector<Cut> InitialCuts(const TailCounts& tails, const std::vector<int64_t>& boundaries, int64_t target);

// REQUIRES: tails.Known(0), tails.Tail(0) > 0, every boundary known to `tails`.
// Boundaries <= 0 and duplicates are ignored.
std::vector<Partition> BuildPartitions(const TailCounts& tails, std::vector<int64_t> boundaries, int64_t target,
                                       const PlanOptions& options);

// Density samples between consecutive known tail points (the last open-ended).
std::vector<DensitySample> TailDensity(const TailCounts& tails);

}  // namespace di::plan
