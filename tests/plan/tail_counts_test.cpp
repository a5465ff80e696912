#include "plan/tail_counts.h"

#include <gtest/gtest.h>

namespace di::plan {
namespace {

TEST(TailCountsTest, FetchesOnlyUnknownPointsAsOneBatch) {
  std::vector<std::vector<PriceRange>> batches;
  CountBatchFn fn = [&](const std::vector<PriceRange>& r) -> Result<std::vector<int64_t>> {
    batches.push_back(r);
    std::vector<int64_t> out;
    for (const auto& q : r) out.push_back(1000 - q.from_dollars);
    return out;
  };
  TailCounts tails(&fn);
  ASSERT_TRUE(tails.Fetch({300, 0, 300, 100}).ok());
  ASSERT_TRUE(tails.Fetch({0, 100}).ok());  // all known: no round
  ASSERT_TRUE(tails.Fetch({100, 200}).ok());
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0], (std::vector<PriceRange>{{0, std::nullopt}, {100, std::nullopt}, {300, std::nullopt}}));
  EXPECT_EQ(batches[1], (std::vector<PriceRange>{{200, std::nullopt}}));
  EXPECT_EQ(tails.queries(), 4);
  EXPECT_EQ(tails.rounds(), 2);
  EXPECT_EQ(tails.Between(100, 300), 200);
}

TEST(TailCountsTest, RepairsNonMonotoneAnswers) {
  CountBatchFn fn = [](const std::vector<PriceRange>& r) -> Result<std::vector<int64_t>> {
    std::vector<int64_t> out;
    for (const auto& q : r) out.push_back(q.from_dollars == 50 ? 120 : 100 - q.from_dollars);
    return out;
  };
  TailCounts tails(&fn);
  ASSERT_TRUE(tails.Fetch({0, 10, 50}).ok());
  // T(50) = 120 > T(10) = 90 (the inventory grew in between): T(0), T(10) lift to 120.
  EXPECT_EQ(tails.Tail(0), 120);
  EXPECT_EQ(tails.Tail(10), 120);
  EXPECT_EQ(tails.Between(0, 50), 0);
}

TEST(TailCountsTest, BadAnswersAreErrors) {
  CountBatchFn negative = [](const std::vector<PriceRange>& r) -> Result<std::vector<int64_t>> {
    return std::vector<int64_t>(r.size(), -1);
  };
  TailCounts a(&negative);
  EXPECT_EQ(a.Fetch({0}).code(), Code::kCorrupt);

  CountBatchFn short_reply = [](const std::vector<PriceRange>&) -> Result<std::vector<int64_t>> {
    return std::vector<int64_t>{};
  };
  TailCounts b(&short_reply);
  EXPECT_EQ(b.Fetch({0}).code(), Code::kInternal);

  CountBatchFn down = [](const std::vector<PriceRange>&) -> Result<std::vector<int64_t>> {
    return Status(Code::kUnavailable, "down");
  };
  TailCounts c(&down);
  EXPECT_EQ(c.Fetch({0}).code(), Code::kUnavailable);
  EXPECT_FALSE(c.Known(0));
}

}  // namespace
}  // namespace di::plan
