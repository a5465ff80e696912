#include "plan/planner.h"

#include <algorithm>
#include <string>

#include "plan/adaptive_planner.h"
#include "plan/seed_planner.h"

namespace di::plan {

Result<HeatmapAlgorithm> ParseHeatmapAlgorithm(std::string_view name) {
  if (name == "adaptive") return HeatmapAlgorithm::kAdaptive;
  if (name == "seed") return HeatmapAlgorithm::kSeed;
  return Status(Code::kInvalidArgument, "unknown heatmap algorithm '" + std::string(name) + "' (adaptive, seed)");
}

const char* HeatmapAlgorithmName(HeatmapAlgorithm algorithm) {
  return algorithm == HeatmapAlgorithm::kSeed ? "seed" : "adaptive";
}

Result<Plan> PlanPartitions(HeatmapAlgorithm algorithm, const CountBatchFn& count_batch, const PlanOptions& options,
                            const FinalPartitionsFn& on_final) {
  if (algorithm == HeatmapAlgorithm::kSeed) return PlanSeed(count_batch, options);
  return PlanAdaptive(count_batch, options, AdaptiveOptions(), on_final);
}

double LargestOverMean(const Plan& plan) {
  if (plan.partitions.empty() || plan.total_records == 0) return 0;
  int64_t largest = 0;
  for (const auto& p : plan.partitions) largest = std::max(largest, p.expected_records);
  const double mean = static_cast<double>(plan.total_records) / plan.partitions.size();
  return static_cast<double>(largest) / mean;
}

}  // namespace di::plan
