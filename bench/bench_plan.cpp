// bench_plan: the default heatmap algorithm against the seeds' on the February
// 2026 natural inventory shape (437,849 offers, tests/plan/density_bands.cpp).
//
// Virtual time, no sleeping: every count query takes a latency drawn from a
// log-normal with a 1.5 s median (sigma 0.5), requests start at most 25 per
// second (one every 40 ms, account-wide), the queries of one batch are in flight
// together and a batch ends when its slowest query returns; batches run one after
// another. Prints, per inventory seed, count queries, rounds, modelled wall time
// and largest/mean expected records of both algorithms, then the ratios.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "plan/adaptive_planner.h"
#include "plan/plan_types.h"
#include "plan/seed_planner.h"
#include "synthetic_inventory.h"

namespace {

using di::plan::CountBatchFn;
using di::plan::PriceRange;

// Wraps a count function with the latency and rate-limit model.
class VirtualApi {
 public:
  VirtualApi(CountBatchFn inner, uint64_t seed) : inner_(std::move(inner)), rng_(seed) {}

  CountBatchFn Fn() {
    return [this](const std::vector<PriceRange>& ranges) {
      std::lognormal_distribution<double> latency(std::log(1.5), 0.5);
      double batch_end = now_;
      for (size_t i = 0; i < ranges.size(); ++i) {
        const double start = std::max(now_, next_slot_);
        next_slot_ = start + 1.0 / 25.0;
        batch_end = std::max(batch_end, start + latency(rng_));
      }
      now_ = batch_end;
      return inner_(ranges);
    };
  }
  double seconds() const { return now_; }

 private:
  CountBatchFn inner_;
  std::mt19937_64 rng_;
  double now_ = 0, next_slot_ = 0;
};

struct Row {
  int queries = 0, rounds = 0, attribution = 0;
  double seconds = 0, balance = 0;
  size_t partitions = 0;
};

template <typename PlanFn>
Row Measure(const di::plan::testing::SyntheticInventory& inv, uint64_t seed, PlanFn plan_fn) {
  VirtualApi api(inv.BatchFn(), seed);
  auto plan = plan_fn(api.Fn());
  if (!plan.ok()) {
    std::fprintf(stderr, "planning failed: %s\n", plan.status().ToString().c_str());
    std::exit(1);
  }
  Row r;
  r.queries = plan->count_queries;
  r.rounds = plan->count_rounds;
  r.attribution = plan->attribution_queries;
  r.seconds = api.seconds();
  r.balance = di::plan::LargestOverMean(*plan);
  r.partitions = plan->partitions.size();
  return r;
}

}  // namespace

int main() {
  using namespace di::plan;
  std::printf("bench_plan: 437,849-offer model inventory, latency median 1.5 s, 25 req/s\n");
  std::printf("%-6s %-9s %7s %6s %9s %6s %8s\n", "seed", "algorithm", "queries", "rounds", "wall (s)", "parts",
              "lrg/mean");
  double sum_ratio_q = 0, sum_ratio_q_scan = 0, sum_ratio_t = 0, worst_balance = 0, seed_balance = 0;
  const int kRuns = 5;
  for (uint64_t s = 1; s <= kRuns; ++s) {
    const auto inv = testing::SyntheticInventory::Nivoda2026(s);
    const Row seed = Measure(inv, 100 + s, [](const CountBatchFn& fn) { return PlanSeed(fn, FullRunPlanOptions()); });
    const Row adaptive =
        Measure(inv, 200 + s, [](const CountBatchFn& fn) { return PlanAdaptive(fn, FullRunPlanOptions()); });
    std::printf("%-6llu %-9s %7d %6d %9.1f %6zu %8.3f  (%d of the queries only for exact counts)\n",
                static_cast<unsigned long long>(s), "seed", seed.queries, seed.rounds, seed.seconds, seed.partitions,
                seed.balance, seed.attribution);
    std::printf("%-6llu %-9s %7d %6d %9.1f %6zu %8.3f\n", static_cast<unsigned long long>(s), "adaptive",
                adaptive.queries, adaptive.rounds, adaptive.seconds, adaptive.partitions, adaptive.balance);
    sum_ratio_q += static_cast<double>(adaptive.queries) / seed.queries;
    sum_ratio_q_scan += static_cast<double>(adaptive.queries) / (seed.queries - seed.attribution);
    sum_ratio_t += adaptive.seconds / seed.seconds;
    worst_balance = std::max(worst_balance, adaptive.balance);
    seed_balance = std::max(seed_balance, seed.balance);
  }
  std::printf("ratio adaptive/seed count queries: %.3f (vs the seed's scan alone: %.3f; goal <= 0.25)\n",
              sum_ratio_q / kRuns, sum_ratio_q_scan / kRuns);
  std::printf("ratio adaptive/seed modelled wall time: %.3f\n", sum_ratio_t / kRuns);
  std::printf("largest/mean, worst run: adaptive %.3f, seed %.3f (goal <= 1.2)\n", worst_balance, seed_balance);

  // Sensitivity: half the offers at round $50 prices (one-dollar spikes of
  // thousands of offers, which no price boundary can split).
  const auto spiky = testing::SyntheticInventory::Nivoda2026(1, 0.5);
  const Row seed = Measure(spiky, 301, [](const CountBatchFn& fn) { return PlanSeed(fn, FullRunPlanOptions()); });
  const Row adaptive =
      Measure(spiky, 302, [](const CountBatchFn& fn) { return PlanAdaptive(fn, FullRunPlanOptions()); });
  std::printf(
      "spiky inventory (50%% at round $50 prices): seed %d queries %.1f s %.3f, "
      "adaptive %d queries in %d rounds %.1f s %.3f; query ratio %.3f\n",
      seed.queries, seed.seconds, seed.balance, adaptive.queries, adaptive.rounds, adaptive.seconds, adaptive.balance,
      static_cast<double>(adaptive.queries) / seed.queries);
  return 0;
}
