#include "plan/partition_builder.h"

#include <gtest/gtest.h>

#include <map>

#include "plan_invariants.h"

namespace di::plan {
namespace {

// A count function over a fixed table of tails T(x); unknown x is an error.
CountBatchFn TableTails(std::map<int64_t, int64_t> tails) {
  return [tails](const std::vector<PriceRange>& ranges) -> Result<std::vector<int64_t>> {
    std::vector<int64_t> out;
    for (const auto& r : ranges) {
      auto it = tails.find(r.from_dollars);
      if (r.to_dollars || it == tails.end()) return Status(Code::kInvalidArgument, "unexpected");
      out.push_back(it->second);
    }
    return out;
  };
}

TEST(PartitionBuilderTest, TargetFollowsTotalAndLimits) {
  const PlanOptions full = FullRunPlanOptions(), incremental = IncrementalRunPlanOptions();
  EXPECT_EQ(ComputeTarget(437849, full).count, 30);
  EXPECT_EQ(ComputeTarget(437849, full).target, 14595);
  EXPECT_EQ(ComputeTarget(25000, incremental).count, 10);
  EXPECT_EQ(ComputeTarget(25000, incremental).target, 2500);
  EXPECT_EQ(ComputeTarget(1999, full).count, 1);  // two would hold < 1,000 each
  EXPECT_EQ(ComputeTarget(2000, full).count, 2);
  EXPECT_EQ(ComputeTarget(1, full).count, 1);
}

TEST(PartitionBuilderTest, ExactSizesFromTails) {
  const CountBatchFn fn = TableTails({{0, 10000}, {100, 6000}, {500, 2500}});
  TailCounts tails(&fn);
  ASSERT_TRUE(tails.Fetch({0, 100, 500}).ok());
  const auto parts = BuildPartitions(tails, {500, 100, 100, 0, -5}, 3334, FullRunPlanOptions());
  const std::vector<Partition> expected = {{0, 0, 100, 4000}, {1, 100, 500, 3500}, {2, 500, std::nullopt, 2500}};
  EXPECT_EQ(parts, expected);
}

TEST(PartitionBuilderTest, SmallPartsMergeIntoTheirSmallerNeighbour) {
  const CountBatchFn fn = TableTails({{0, 10000}, {100, 5000}, {200, 4500}, {300, 1000}});
  TailCounts tails(&fn);
  ASSERT_TRUE(tails.Fetch({0, 100, 200, 300}).ok());
  // Parts 5000, 500, 3500, 1000: the 500 joins the 3,500 (smaller than 5,000).
  const auto parts = BuildPartitions(tails, {100, 200, 300}, 2500, FullRunPlanOptions());
  const std::vector<Partition> expected = {{0, 0, 100, 5000}, {1, 100, 300, 4000}, {2, 300, std::nullopt, 1000}};
  EXPECT_EQ(parts, expected);
}

TEST(PartitionBuilderTest, AtMostMaxPartitions) {
  std::map<int64_t, int64_t> table;
  std::vector<int64_t> bounds;
  for (int64_t i = 0; i <= 40; ++i) {
    table[i * 10] = 40000 - 1000 * i;
    if (i > 0) bounds.push_back(i * 10);
  }
  const CountBatchFn fn = TableTails(table);
  TailCounts tails(&fn);
  ASSERT_TRUE(tails.Fetch(bounds).ok());
  ASSERT_TRUE(tails.Fetch({0}).ok());
  PlanOptions options = IncrementalRunPlanOptions();
  const auto parts = BuildPartitions(tails, bounds, 4000, options);
  ASSERT_EQ(parts.size(), 10u);
  int64_t sum = 0;
  for (const auto& p : parts) {
    sum += p.expected_records;
    EXPECT_GE(p.expected_records, 1000);
  }
  EXPECT_EQ(sum, 40000);
}

TEST(PartitionBuilderTest, HeavySingleDollarKeepsItsOwnBounds) {
  // [1234, 1235) holds 6,000 of 10,000 offers; target 2,000.
  const CountBatchFn fn = TableTails({{0, 10000}, {1234, 8000}, {1235, 2000}, {600, 9000}});
  TailCounts tails(&fn);
  ASSERT_TRUE(tails.Fetch({0, 600, 1234, 1235}).ok());
  const auto parts = BuildPartitions(tails, {600}, 2000, FullRunPlanOptions());
  const std::vector<Partition> expected = {
      {0, 0, 600, 1000}, {1, 600, 1234, 1000}, {2, 1234, 1235, 6000}, {3, 1235, std::nullopt, 2000}};
  EXPECT_EQ(parts, expected);
}

TEST(PartitionBuilderTest, TotalBelowMinimumIsOnePartition) {
  const CountBatchFn fn = TableTails({{0, 900}, {100, 400}});
  TailCounts tails(&fn);
  ASSERT_TRUE(tails.Fetch({0, 100}).ok());
  const auto parts = BuildPartitions(tails, {100}, 900, FullRunPlanOptions());
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0], (Partition{0, 0, std::nullopt, 900}));
}

TEST(PartitionBuilderTest, DensityBetweenKnownTails) {
  const CountBatchFn fn = TableTails({{0, 100}, {10, 40}});
  TailCounts tails(&fn);
  ASSERT_TRUE(tails.Fetch({0, 10}).ok());
  const auto d = TailDensity(tails);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].from_dollars, 0);
  EXPECT_EQ(d[0].to_dollars, 10);
  EXPECT_EQ(d[0].count, 60);
  EXPECT_FALSE(d[1].to_dollars.has_value());
  EXPECT_EQ(d[1].count, 40);
}

}  // namespace
}  // namespace di::plan
