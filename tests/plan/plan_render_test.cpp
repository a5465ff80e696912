#include <gtest/gtest.h>

#include "plan/adaptive_planner.h"
#include "plan/plan_svg.h"
#include "plan/plan_table.h"
#include "plan/planner.h"
#include "synthetic_inventory.h"

namespace di::plan {
namespace {

size_t Occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

Plan SamplePlan() {
  Plan plan;
  plan.algorithm = "adaptive";
  plan.total_records = 1234567;
  plan.count_queries = 57;
  plan.count_rounds = 4;
  plan.partitions = {{0, 0, 1999, 1000000}, {1, 1999, std::nullopt, 234567}};
  plan.density = {{0, 1999, 1000000}, {1999, std::nullopt, 234567}};
  return plan;
}

TEST(PlanTableTest, RendersRangesExpectedOffersAndQueries) {
  const std::string table = RenderPlanTable(SamplePlan());
  EXPECT_NE(table.find("heatmap=adaptive: 1,234,567 offers in 2 partitions; 57 count queries in 4 rounds"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("$0 - $1,999"), std::string::npos);
  EXPECT_NE(table.find("$1,999 - open-ended"), std::string::npos);
  EXPECT_NE(table.find("1,000,000"), std::string::npos);
  EXPECT_NE(table.find("234,567"), std::string::npos);
  EXPECT_EQ(Occurrences(table, "\n"), 4u);
}

TEST(PlanTableTest, EmptyPlanSaysNoOffers) {
  Plan plan;
  plan.algorithm = "seed";
  EXPECT_NE(RenderPlanTable(plan).find("no offers"), std::string::npos);
  const std::string svg = RenderDensitySvg(plan);
  EXPECT_NE(svg.find("no offers"), std::string::npos);
  EXPECT_EQ(svg.rfind("</svg>\n"), svg.size() - 7);
}

TEST(PlanSvgTest, DrawsOneBoundaryPerInteriorPartitionStart) {
  const auto inv = testing::SyntheticInventory::Nivoda2026(3);
  auto plan = PlanAdaptive(inv.BatchFn(), FullRunPlanOptions());
  ASSERT_TRUE(plan.ok());
  const std::string svg = RenderDensitySvg(*plan);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(svg.rfind("</svg>\n"), svg.size() - 7);
  EXPECT_EQ(Occurrences(svg, "class=\"boundary\""), plan->partitions.size() - 1);
  size_t bars = 0;
  for (const auto& s : plan->density) bars += s.count > 0 ? 1 : 0;
  EXPECT_EQ(Occurrences(svg, "<rect x="), bars);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(PlannerTest, ParsesAlgorithmNames) {
  EXPECT_EQ(*ParseHeatmapAlgorithm("seed"), HeatmapAlgorithm::kSeed);
  EXPECT_EQ(*ParseHeatmapAlgorithm("adaptive"), HeatmapAlgorithm::kAdaptive);
  auto bad = ParseHeatmapAlgorithm("fast");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_STREQ(HeatmapAlgorithmName(HeatmapAlgorithm::kSeed), "seed");
}

TEST(PlannerTest, DispatchesToTheChosenAlgorithm) {
  const auto inv = testing::SyntheticInventory::Nivoda2026(6);
  auto seed = PlanPartitions(HeatmapAlgorithm::kSeed, inv.BatchFn(), FullRunPlanOptions());
  auto adaptive = PlanPartitions(HeatmapAlgorithm::kAdaptive, inv.BatchFn(), FullRunPlanOptions());
  ASSERT_TRUE(seed.ok());
  ASSERT_TRUE(adaptive.ok());
  EXPECT_EQ(seed->algorithm, "seed");
  EXPECT_EQ(adaptive->algorithm, "adaptive");
  EXPECT_EQ(seed->total_records, adaptive->total_records);
}

}  // namespace
}  // namespace di::plan
