#include "plan/seed_planner.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "plan/partition_builder.h"
#include "plan/tail_counts.h"

namespace di::plan {
namespace {

struct Chunk {
  int64_t min, max, count;  // the seed's inclusive query {min, max}
};

struct Scan {
  std::vector<Chunk> chunks;
  int queries = 0;
};

Result<Scan> ScanDensity(const CountBatchFn& count_batch, const SeedOptions& seed) {
  Scan scan;
  int64_t price = seed.min_price;
  int64_t step = seed.initial_step;
  while (price < seed.max_price) {
    if (price < seed.dense_zone_threshold) step = seed.dense_zone_step;
    int64_t hi = std::min(price + step, seed.max_price);
    if (hi <= price) hi = price + 1;
    ++scan.queries;
    DI_ASSIGN_OR_RETURN(std::vector<int64_t> counts, count_batch({PriceRange{price, hi}}));
    if (counts.size() != 1 || counts[0] < 0) {
      return Status(Code::kInternal,
                    "count query for $" + std::to_string(price) + "-$" + std::to_string(hi) + " answered badly");
    }
    const int64_t count = counts[0];
    if (count > 0) scan.chunks.push_back(Chunk{price, hi, count});
    if (price >= seed.dense_zone_threshold) {
      if (count == 0) {
        step = std::min<int64_t>(step * 5, 100000);
      } else {
        // As the original: Math.floor(step * (target / count)) in doubles.
        const double ratio = static_cast<double>(seed.target_records_per_chunk) / count;
        const auto next = static_cast<int64_t>(std::floor(static_cast<double>(step) * ratio));
        step = std::max<int64_t>(seed.dense_zone_step, std::min<int64_t>(next, 50000));
      }
    }
    price = hi + 1;
  }
  return scan;
}

// The original greedy pass; returns each partition's starting price.
std::vector<int64_t> GreedyStarts(const std::vector<Chunk>& chunks, const PlanOptions& options) {
  std::vector<int64_t> starts;
  int64_t total = 0;
  for (const Chunk& c : chunks) total += c.count;
  if (total == 0) return starts;
  const int64_t min_records = std::max<int64_t>(1, options.min_records_per_partition);
  const int64_t workers =
      std::max<int64_t>(1, std::min<int64_t>((total + min_records - 1) / min_records, options.max_partitions));
  const int64_t target = (total + workers - 1) / workers;
  int64_t sum = 0;
  starts.push_back(chunks[0].min);
  for (size_t i = 0; i < chunks.size(); ++i) {
    sum += chunks[i].count;
    if (sum >= target && i + 1 < chunks.size()) {
      starts.push_back(chunks[i + 1].min);
      sum = 0;
    }
  }
  return starts;
}

}  // namespace

Result<Plan> PlanSeed(const CountBatchFn& count_batch, const PlanOptions& options, const SeedOptions& seed) {
  DI_ASSIGN_OR_RETURN(Scan scan, ScanDensity(count_batch, seed));
  const std::vector<int64_t> starts = GreedyStarts(scan.chunks, options);

  TailCounts tails(&count_batch);
  std::vector<int64_t> boundaries(starts.begin() + (starts.empty() ? 0 : 1), starts.end());
  std::vector<int64_t> wanted = boundaries;
  wanted.push_back(0);
  DI_RETURN_IF_ERROR(tails.Fetch(wanted));

  Plan plan;
  plan.algorithm = "seed";
  plan.total_records = tails.Tail(0);
  if (plan.total_records > 0) {
    const PartitionTarget tgt = ComputeTarget(plan.total_records, options);
    plan.partitions = BuildPartitions(tails, boundaries, tgt.target, options);
  }
  plan.attribution_queries = tails.queries();
  plan.count_queries = scan.queries + tails.queries();
  plan.count_rounds = scan.queries + tails.rounds();
  for (const Chunk& c : scan.chunks) {
    plan.density.push_back(DensitySample{c.min, c.max + 1, c.count});
  }
  return plan;
}

}  // namespace di::plan
