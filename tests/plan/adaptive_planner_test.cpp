#include "plan/adaptive_planner.h"

#include <gtest/gtest.h>

#include <random>

#include "plan/seed_planner.h"
#include "plan_invariants.h"
#include "synthetic_inventory.h"

namespace di::plan::testing {
namespace {

SyntheticInventory Uniform(int64_t n, int64_t from_dollars, int64_t to_dollars, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> cents(from_dollars * 100, to_dollars * 100 - 1);
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i) out.push_back(cents(rng));
  return SyntheticInventory(std::move(out));
}

// The real inventory shape, scaled down to `scale` of its offers.
SyntheticInventory ScaledNivoda(double scale, uint64_t seed) {
  std::vector<DensityBand> bands = Nivoda2026DollarValueBands();
  int64_t banded = 0;
  for (auto& b : bands) {
    b.count = static_cast<int64_t>(b.count * scale);
    banded += b.count;
  }
  return SyntheticInventory::FromBands(bands, static_cast<int64_t>(kNivoda2026Baseline * scale) - banded, seed);
}

TEST(AdaptivePlannerTest, RealDensityIsBalancedWithAQuarterOfTheSeedQueries) {
  const auto inv = SyntheticInventory::Nivoda2026(7);
  const PlanOptions options = FullRunPlanOptions();
  auto plan = PlanAdaptive(inv.BatchFn(), options);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ExpectValidPlan(*plan, inv, options);
  EXPECT_EQ(plan->partitions.size(), 30u);
  EXPECT_LE(LargestOverMean(*plan), 1.2);
  EXPECT_LE(plan->count_rounds, 6);
  EXPECT_EQ(plan->attribution_queries, 0);

  auto seed = PlanSeed(inv.BatchFn(), options);
  ASSERT_TRUE(seed.ok());
  EXPECT_LE(plan->count_queries * 4, seed->count_queries - seed->attribution_queries)
      << "adaptive " << plan->count_queries << " vs seed scan " << seed->count_queries - seed->attribution_queries;
  EXPECT_LE(LargestOverMean(*plan), LargestOverMean(*seed));
}

TEST(AdaptivePlannerTest, EveryBatchIsOneRoundOfOpenEndedQueries) {
  const auto inv = SyntheticInventory::Nivoda2026(3);
  auto log = std::make_shared<std::vector<std::vector<PriceRange>>>();
  auto plan = PlanAdaptive(inv.BatchFn(log), FullRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(static_cast<int>(log->size()), plan->count_rounds);
  int queries = 0;
  for (const auto& batch : *log) {
    queries += static_cast<int>(batch.size());
    for (const auto& r : batch) EXPECT_FALSE(r.to_dollars.has_value());
  }
  EXPECT_EQ(queries, plan->count_queries);
  EXPECT_GT(log->front().size(), 1u) << "the first round probes several prices at once";
}

TEST(AdaptivePlannerTest, IncrementalRunHasAtMostTenPartitions) {
  const auto inv = ScaledNivoda(0.05, 11);  // ~21,900 updated offers
  const PlanOptions options = IncrementalRunPlanOptions();
  auto plan = PlanAdaptive(inv.BatchFn(), options);
  ASSERT_TRUE(plan.ok());
  ExpectValidPlan(*plan, inv, options);
  EXPECT_EQ(plan->partitions.size(), 10u);
  EXPECT_LE(LargestOverMean(*plan), 1.2);
}

TEST(AdaptivePlannerTest, SmallIncrementalKeepsAThousandPerPartition) {
  const auto inv = ScaledNivoda(0.01, 12);  // ~4,400 offers -> 4 partitions
  const PlanOptions options = IncrementalRunPlanOptions();
  auto plan = PlanAdaptive(inv.BatchFn(), options);
  ASSERT_TRUE(plan.ok());
  ExpectValidPlan(*plan, inv, options);
  EXPECT_EQ(plan->partitions.size(), static_cast<size_t>(inv.size() / 1000));
}

TEST(AdaptivePlannerTest, EmptyInventoryGivesAnEmptyPlanInOneRound) {
  const SyntheticInventory inv({});
  auto plan = PlanAdaptive(inv.BatchFn(), FullRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->partitions.empty());
  EXPECT_EQ(plan->total_records, 0);
  EXPECT_EQ(plan->count_rounds, 1);
}

TEST(AdaptivePlannerTest, TinyInventoryIsOnePartition) {
  const auto inv = Uniform(500, 0, 3000, 5);
  auto plan = PlanAdaptive(inv.BatchFn(), FullRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  ExpectValidPlan(*plan, inv, FullRunPlanOptions());
  ASSERT_EQ(plan->partitions.size(), 1u);
  EXPECT_EQ(plan->partitions[0], (Partition{0, 0, std::nullopt, 500}));
  EXPECT_EQ(plan->count_rounds, 1);
}

TEST(AdaptivePlannerTest, BelowTwoThousandIsStillOnePartition) {
  const auto inv = Uniform(1999, 0, 3000, 6);
  auto plan = PlanAdaptive(inv.BatchFn(), FullRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  ExpectValidPlan(*plan, inv, FullRunPlanOptions());
  EXPECT_EQ(plan->partitions.size(), 1u);
}

TEST(AdaptivePlannerTest, AllOffersAtOneWholeDollarPrice) {
  std::vector<int64_t> cents;
  for (int i = 0; i < 5000; ++i) cents.push_back(123400 + i % 100);  // $1,234.00 .. $1,234.99
  const SyntheticInventory inv(cents);
  auto plan = PlanAdaptive(inv.BatchFn(), FullRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  ExpectValidPlan(*plan, inv, FullRunPlanOptions());
  ASSERT_EQ(plan->partitions.size(), 1u) << "one dollar cannot be split";
  EXPECT_EQ(plan->partitions[0].expected_records, 5000);
  EXPECT_LE(plan->count_rounds, AdaptiveOptions().max_rounds + 1);
}

TEST(AdaptivePlannerTest, HeavyDollarAmongOthersIsItsOwnPartition) {
  std::vector<int64_t> cents = Uniform(20000, 0, 10000, 8).cents();
  for (int i = 0; i < 8000; ++i) cents.push_back(123400 + (i * 37) % 100);
  const SyntheticInventory inv(cents);
  const PlanOptions options = FullRunPlanOptions();
  auto plan = PlanAdaptive(inv.BatchFn(), options);
  ASSERT_TRUE(plan.ok());
  ExpectValidPlan(*plan, inv, options);
  bool found = false;
  for (const auto& p : plan->partitions) {
    if (p.price_min == 1234 && p.price_max == 1235) {
      found = true;
      EXPECT_GE(p.expected_records, 8000);
    }
  }
  EXPECT_TRUE(found) << "expected a partition [$1,234, $1,235]";
}

TEST(AdaptivePlannerTest, FractionalPricesAtBoundariesAreCovered) {
  const auto base = SyntheticInventory::Nivoda2026(9);
  auto plan = PlanAdaptive(base.BatchFn(), FullRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  // Offers exactly at, just above and just below every boundary dollar.
  for (size_t i = 1; i < plan->partitions.size(); ++i) {
    const int64_t b = plan->partitions[i].price_min * 100;
    for (int64_t cents : {b - 50, b - 1, b, b + 1, b + 50, b + 99, b + 100}) {
      bool matched = false;
      for (const auto& p : plan->partitions) matched = matched || PartitionMatches(p, cents);
      EXPECT_TRUE(matched) << "offer at " << cents << " cents";
    }
  }
  // An inventory priced only at half dollars plans with exact counts too.
  std::vector<int64_t> halves;
  for (int64_t d = 0; d < 30000; ++d) halves.push_back(d * 100 + 50);
  const SyntheticInventory inv(halves);
  auto half_plan = PlanAdaptive(inv.BatchFn(), FullRunPlanOptions());
  ASSERT_TRUE(half_plan.ok());
  ExpectValidPlan(*half_plan, inv, FullRunPlanOptions());
}

TEST(AdaptivePlannerTest, OffersAboveTwoHundredFiftyThousandAreInTheLastPartition) {
  std::vector<int64_t> cents = Uniform(2000, 0, 1000, 13).cents();
  const auto rich = Uniform(3000, 300000, 5000000, 14).cents();
  cents.insert(cents.end(), rich.begin(), rich.end());
  const SyntheticInventory inv(cents);
  auto plan = PlanAdaptive(inv.BatchFn(), FullRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  ExpectValidPlan(*plan, inv, FullRunPlanOptions());
  EXPECT_GE(plan->partitions.back().expected_records, 1000);
  EXPECT_GT(plan->partitions.size(), 2u);
}

TEST(AdaptivePlannerTest, CountErrorsPropagate) {
  const auto inv = SyntheticInventory::Nivoda2026(1);
  const CountBatchFn good = inv.BatchFn();
  int calls = 0;
  CountBatchFn second_fails = [&](const std::vector<PriceRange>& r) -> Result<std::vector<int64_t>> {
    if (++calls == 2) return Status(Code::kUnavailable, "nivoda timed out");
    return good(r);
  };
  auto plan = PlanAdaptive(second_fails, FullRunPlanOptions());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), Code::kUnavailable);
  EXPECT_EQ(plan.status().message(), "nivoda timed out");

  CountBatchFn wrong_size = [](const std::vector<PriceRange>&) -> Result<std::vector<int64_t>> {
    return std::vector<int64_t>{1};
  };
  auto bad = PlanAdaptive(wrong_size, FullRunPlanOptions());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInternal);
}

TEST(AdaptivePlannerTest, InventoryChurnBetweenQueriesNeverGivesNegativeSizes) {
  const auto inv = SyntheticInventory::Nivoda2026(4);
  int batch = 0;
  // Each batch sees a slightly different inventory (offers come and go).
  CountBatchFn churning = [&](const std::vector<PriceRange>& ranges) -> Result<std::vector<int64_t>> {
    ++batch;
    std::vector<int64_t> out;
    for (const auto& r : ranges) {
      const int64_t n = inv.Count(r);
      out.push_back(std::max<int64_t>(0, n + (batch % 2 ? 150 : -150)));
    }
    return out;
  };
  auto plan = PlanAdaptive(churning, FullRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  int64_t sum = 0;
  for (size_t i = 0; i < plan->partitions.size(); ++i) {
    EXPECT_GE(plan->partitions[i].expected_records, 0);
    if (i + 1 < plan->partitions.size()) {
      EXPECT_LT(plan->partitions[i].price_min, *plan->partitions[i].price_max);
    }
    sum += plan->partitions[i].expected_records;
  }
  EXPECT_EQ(sum, plan->total_records);
}

}  // namespace
}  // namespace di::plan::testing
