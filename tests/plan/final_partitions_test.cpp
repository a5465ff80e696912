// Partitions reported final before planning ends (PlanAdaptive's ON_FINAL,
// the scheduler's overlap of planning with fetching): for each inventory of the
// table, every reported partition is the plan's (built without reporting) with
// the same id, reported once, before the last round, never all of them; and
// the plan itself is unchanged. The exception, a heavy dollar found after
// partitions were reported (the scheduler then replaces the run), is in the
// table too.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string>

#include "plan/adaptive_planner.h"
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

SyntheticInventory WithHeavyDollar() {
  std::vector<int64_t> cents = Uniform(20000, 0, 10000, 8).cents();
  for (int i = 0; i < 8000; ++i) cents.push_back(123400 + (i * 37) % 100);
  return SyntheticInventory(std::move(cents));
}

struct Reported {
  std::vector<Partition> partitions;
  std::vector<int> after_round;  // rounds answered when each partition was reported
};

struct Case {
  std::string name;
  SyntheticInventory inventory;
  PlanOptions options;
  bool heavy = false;  // a heavy dollar found late may change reported partitions (the caller compares)
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (uint64_t seed : {1, 2, 3, 7}) {
    cases.push_back({"nivoda2026 seed " + std::to_string(seed), SyntheticInventory::Nivoda2026(seed),
                     FullRunPlanOptions()});
  }
  cases.push_back({"nivoda2026 incremental", SyntheticInventory::Nivoda2026(5), IncrementalRunPlanOptions()});
  cases.push_back({"round prices half", SyntheticInventory::Nivoda2026(6, 0.5), FullRunPlanOptions()});
  cases.push_back({"uniform 100,000", Uniform(100000, 0, 20000, 9), FullRunPlanOptions()});
  cases.push_back({"uniform 5,500 (parts near the minimum)", Uniform(5500, 0, 3000, 10), IncrementalRunPlanOptions()});
  cases.push_back({"heavy dollar", WithHeavyDollar(), FullRunPlanOptions(), /*heavy=*/true});
  cases.push_back({"tiny", Uniform(500, 0, 3000, 5), FullRunPlanOptions()});
  cases.push_back({"empty", SyntheticInventory({}), FullRunPlanOptions()});
  return cases;
}

TEST(FinalPartitionsTest, ReportedPartitionsAreThePlansWithoutReporting) {
  int cases_reporting_early = 0;
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    auto log = std::make_shared<std::vector<std::vector<PriceRange>>>();
    Reported reported;
    int64_t reported_total = -1;
    const FinalPartitionsFn on_final = [&](int64_t total, const std::vector<Partition>& parts) {
      reported_total = total;
      for (const auto& p : parts) {
        reported.partitions.push_back(p);
        reported.after_round.push_back(static_cast<int>(log->size()));
      }
      return Status::Ok();
    };
    auto overlapped = PlanAdaptive(c.inventory.BatchFn(log), c.options, AdaptiveOptions(), on_final);
    auto plain = PlanAdaptive(c.inventory.BatchFn(), c.options);
    ASSERT_TRUE(overlapped.ok()) << overlapped.status().ToString();
    ASSERT_TRUE(plain.ok());
    ExpectValidPlan(*overlapped, c.inventory, c.options);
    EXPECT_EQ(overlapped->partitions, plain->partitions) << "same boundaries and sizes given the same counts";
    EXPECT_EQ(overlapped->count_queries, plain->count_queries);
    EXPECT_EQ(overlapped->count_rounds, plain->count_rounds);

    ASSERT_LE(reported.partitions.size() + 2, std::max<size_t>(2, overlapped->partitions.size()))
        << "at least two partitions are left for the end of planning";
    std::set<int> ids;
    for (size_t i = 0; i < reported.partitions.size(); ++i) {
      const Partition& r = reported.partitions[i];
      EXPECT_TRUE(ids.insert(r.id).second) << "partition " << r.id << " reported twice";
      EXPECT_LT(reported.after_round[i], overlapped->count_rounds) << "reported before the last round";
      if (c.heavy) continue;
      ASSERT_LT(static_cast<size_t>(r.id), overlapped->partitions.size());
      EXPECT_EQ(r, overlapped->partitions[static_cast<size_t>(r.id)]) << "reported partition " << r.id;
    }
    if (!reported.partitions.empty()) {
      EXPECT_EQ(reported_total, overlapped->total_records);
      cases_reporting_early += c.heavy ? 0 : 1;
    }
  }
  EXPECT_GE(cases_reporting_early, 4) << "most realistic inventories publish partitions before the last round";
}

TEST(FinalPartitionsTest, PlansNearTheMinimumReportNothing) {
  const auto inv = Uniform(5500, 0, 3000, 10);  // 5 partitions of ~1,100: merges are likely
  int reported = 0;
  auto plan = PlanAdaptive(inv.BatchFn(), IncrementalRunPlanOptions(), AdaptiveOptions(),
                           [&](int64_t, const std::vector<Partition>& parts) {
                             reported += static_cast<int>(parts.size());
                             return Status::Ok();
                           });
  ASSERT_TRUE(plan.ok());
  EXPECT_GT(plan->count_rounds, 1);
  EXPECT_EQ(reported, 0);
}

TEST(FinalPartitionsTest, TheRealDensityReportsMostPartitionsBeforeTheLastRound) {
  const auto inv = SyntheticInventory::Nivoda2026(7);
  size_t reported = 0;
  auto plan = PlanAdaptive(inv.BatchFn(), FullRunPlanOptions(), AdaptiveOptions(),
                           [&](int64_t, const std::vector<Partition>& parts) {
                             reported += parts.size();
                             return Status::Ok();
                           });
  ASSERT_TRUE(plan.ok());
  EXPECT_GE(reported * 2, plan->partitions.size()) << reported << " of " << plan->partitions.size();
  EXPECT_LT(reported, plan->partitions.size());
}

TEST(FinalPartitionsTest, AFailedReportStopsPlanning) {
  const auto inv = SyntheticInventory::Nivoda2026(3);
  auto log = std::make_shared<std::vector<std::vector<PriceRange>>>();
  int calls = 0;
  auto plan = PlanAdaptive(inv.BatchFn(log), FullRunPlanOptions(), AdaptiveOptions(),
                           [&](int64_t, const std::vector<Partition>&) {
                             ++calls;
                             return Status(Code::kUnavailable, "queue down");
                           });
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), Code::kUnavailable);
  EXPECT_EQ(plan.status().message(), "queue down");
  EXPECT_EQ(calls, 1);
  auto full = PlanAdaptive(inv.BatchFn(), FullRunPlanOptions());
  ASSERT_TRUE(full.ok());
  EXPECT_LT(static_cast<int>(log->size()), full->count_rounds) << "no round is sent after the failed report";
}

}  // namespace
}  // namespace di::plan::testing
