#include "plan/seed_planner.h"

#include <gtest/gtest.h>

#include "plan_invariants.h"
#include "synthetic_inventory.h"

namespace di::plan::testing {
namespace {

using Ranges = std::vector<PriceRange>;

// The scan's queries (single-range batches), without the attribution batch.
std::vector<PriceRange> ScanQueries(const std::vector<Ranges>& log) {
  std::vector<PriceRange> out;
  for (const auto& batch : log) {
    if (batch.size() == 1 && batch[0].to_dollars) out.push_back(batch[0]);
  }
  return out;
}

TEST(SeedPlannerTest, DenseZoneIsScannedInInclusiveHundredDollarSteps) {
  const auto inv = SyntheticInventory::Nivoda2026(2);
  auto log = std::make_shared<std::vector<Ranges>>();
  auto plan = PlanSeed(inv.BatchFn(log), FullRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  const auto scan = ScanQueries(*log);
  ASSERT_GT(scan.size(), 199u);
  for (size_t k = 0; k < 199; ++k) {
    EXPECT_EQ(scan[k], (PriceRange{static_cast<int64_t>(101 * k), 101 * static_cast<int64_t>(k) + 100}));
  }
  EXPECT_GE(scan[199].from_dollars, 20000);
  EXPECT_EQ(scan.back().to_dollars, 250000);
  // One query per round while scanning, then one attribution batch.
  EXPECT_EQ(plan->count_rounds, static_cast<int>(scan.size()) + 1);
  EXPECT_EQ(plan->count_queries, static_cast<int>(scan.size()) + plan->attribution_queries);
  EXPECT_EQ(plan->attribution_queries, static_cast<int>(plan->partitions.size()));
}

TEST(SeedPlannerTest, SparseZoneStepGrowsOverEmptinessAndShrinksOverDensity) {
  std::vector<int64_t> cents(3000, 50000);                  // $500.00
  for (int i = 0; i < 1000; ++i) cents.push_back(2015000);  // $20,150.00
  const SyntheticInventory inv(cents);
  auto log = std::make_shared<std::vector<Ranges>>();
  auto plan = PlanSeed(inv.BatchFn(log), FullRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  const auto scan = ScanQueries(*log);
  const std::vector<PriceRange> sparse(scan.begin() + 199, scan.end());
  // [20099, 20199] holds 1,000: step = max(100, floor(100 * 500 / 1000)) = 100;
  // then empty ranges multiply it by 5 up to 100,000; the last is cut at 250,000.
  const std::vector<PriceRange> expected = {{20099, 20199}, {20200, 20300}, {20301, 20801},  {20802, 23302},
                                            {23303, 35803}, {35804, 98304}, {98305, 198305}, {198306, 250000}};
  EXPECT_EQ(sparse, expected);
}

TEST(SeedPlannerTest, GreedyClosesAPartitionWhenTheTargetIsReached) {
  std::vector<int64_t> cents;
  for (int64_t dollars : {50, 150, 250}) cents.insert(cents.end(), 2000, dollars * 100);
  const SyntheticInventory inv(cents);
  auto plan = PlanSeed(inv.BatchFn(), FullRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  ExpectValidPlan(*plan, inv, FullRunPlanOptions());
  // 6 workers, target 1,000: every chunk {0,100} {101,201} {202,302} closes one.
  const std::vector<Partition> expected = {{0, 0, 101, 2000}, {1, 101, 202, 2000}, {2, 202, std::nullopt, 2000}};
  EXPECT_EQ(plan->partitions, expected);
}

TEST(SeedPlannerTest, RealDensityKeepsEveryRule) {
  const auto inv = SyntheticInventory::Nivoda2026(5);
  auto plan = PlanSeed(inv.BatchFn(), FullRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  ExpectValidPlan(*plan, inv, FullRunPlanOptions());
  EXPECT_GT(plan->count_queries, 200);
}

TEST(SeedPlannerTest, OffersTheOriginalMissedAreStillPlanned) {
  // Half-dollar prices fall between the seed's chunks; prices above $250,000
  // are never scanned. The exact attribution still counts them all.
  std::vector<int64_t> cents;
  for (int i = 0; i < 1500; ++i) cents.push_back(10050 + 10100 * (i % 150));  // $100.50, $201.50, ...
  for (int i = 0; i < 1500; ++i) cents.push_back(30000000 + 1000 * i);        // >= $300,000
  const SyntheticInventory inv(cents);
  auto plan = PlanSeed(inv.BatchFn(), FullRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  ExpectValidPlan(*plan, inv, FullRunPlanOptions());
  ASSERT_EQ(plan->partitions.size(), 1u);
  EXPECT_EQ(plan->partitions[0].expected_records, 3000);
}

TEST(SeedPlannerTest, EmptyAndTinyInventories) {
  const SyntheticInventory empty({});
  auto none = PlanSeed(empty.BatchFn(), FullRunPlanOptions());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->partitions.empty());
  EXPECT_EQ(none->total_records, 0);

  const SyntheticInventory tiny(std::vector<int64_t>(700, 99999));
  auto one = PlanSeed(tiny.BatchFn(), IncrementalRunPlanOptions());
  ASSERT_TRUE(one.ok());
  ExpectValidPlan(*one, tiny, IncrementalRunPlanOptions());
  EXPECT_EQ(one->partitions.size(), 1u);
}

TEST(SeedPlannerTest, IncrementalLimitOfTen) {
  const auto inv = SyntheticInventory::Nivoda2026(8);
  auto plan = PlanSeed(inv.BatchFn(), IncrementalRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  ExpectValidPlan(*plan, inv, IncrementalRunPlanOptions());
  EXPECT_LE(plan->partitions.size(), 10u);
}

TEST(SeedPlannerTest, CountErrorsPropagate) {
  CountBatchFn failing = [](const std::vector<PriceRange>&) -> Result<std::vector<int64_t>> {
    return Status(Code::kUnavailable, "down");
  };
  auto plan = PlanSeed(failing, FullRunPlanOptions());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace di::plan::testing
