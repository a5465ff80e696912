// Entry point of the scheduler's planning: pick a heatmap algorithm by name and
// plan partitions over a count function. `diamond-ingest schedule --heatmap=NAME`
// maps NAME through ParseHeatmapAlgorithm.
//
// Pure apart from calling the count function; thread-compatible.
#pragma once

#include <string_view>

#include "plan/plan_types.h"

namespace di::plan {

enum class HeatmapAlgorithm {
  kAdaptive,  // default: quantile search, few batched rounds (adaptive_planner.h)
  kSeed,      // the original TypeScript scan (seed_planner.h)
};

// "adaptive" or "seed"; anything else is kInvalidArgument naming the choices.
Result<HeatmapAlgorithm> ParseHeatmapAlgorithm(std::string_view name);
const char* HeatmapAlgorithmName(HeatmapAlgorithm algorithm);

// Plans with the algorithm's default tuning. Count errors come back unchanged.
// ON_FINAL (optional) hears of partitions final before planning ends
// (adaptive only; the seed scan reports none: all come in the Plan).
Result<Plan> PlanPartitions(HeatmapAlgorithm algorithm, const CountBatchFn& count_batch, const PlanOptions& options,
                            const FinalPartitionsFn& on_final = nullptr);

}  // namespace di::plan
