#include "roles/completion_policy.h"

#include <gtest/gtest.h>

namespace di::ingest {
namespace {

TEST(CompletionPolicyTest, SeedsSeventyPercentRule) {
  EXPECT_EQ(DecideRunOutcome({10, 9, 0}, 0.7), RunOutcome::kStillRunning);
  EXPECT_EQ(DecideRunOutcome({10, 10, 0}, 0.7), RunOutcome::kConsolidateNow);
  EXPECT_EQ(DecideRunOutcome({10, 8, 2}, 0.7), RunOutcome::kConsolidateForcedLater);
  EXPECT_EQ(DecideRunOutcome({10, 7, 3}, 0.7), RunOutcome::kConsolidateForcedLater) << "exactly 70% passes";
  EXPECT_EQ(DecideRunOutcome({10, 6, 4}, 0.7), RunOutcome::kFailRun);
  EXPECT_EQ(DecideRunOutcome({10, 6, 3}, 0.7), RunOutcome::kStillRunning);
  EXPECT_EQ(DecideRunOutcome({1, 0, 1}, 0.7), RunOutcome::kFailRun);
  EXPECT_EQ(DecideRunOutcome({0, 0, 0}, 0.7), RunOutcome::kConsolidateNow) << "empty run";
}

}  // namespace
}  // namespace di::ingest
