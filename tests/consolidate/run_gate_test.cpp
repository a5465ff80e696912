// The consolidation gate: when a run may be consolidated, and with what effects.
#include "consolidate/run_gate.h"

#include <gtest/gtest.h>

namespace di::consolidate {
namespace {

RunState MakeRun(std::string type, std::string status, int64_t partitions, int64_t in_progress, int64_t failed) {
  RunState r;
  r.run_id = "r1";
  r.feed = "natural";
  r.run_type = std::move(type);
  r.status = std::move(status);
  r.partitions = partitions;
  r.in_progress = in_progress;
  r.failed = failed;
  return r;
}

TEST(RunGate, UnknownRun) {
  auto d = DecideConsolidation(std::nullopt, "r9", false);
  EXPECT_EQ(d.outcome, ConsolidationOutcome::kUnknownRun);
  EXPECT_NE(d.reason.find("r9"), std::string::npos);
}

TEST(RunGate, CompleteFullRunDeletesAndAdvances) {
  auto d = DecideConsolidation(MakeRun("full", "running", 10, 0, 0), "r1", false);
  EXPECT_TRUE(d.proceed());
  EXPECT_TRUE(d.soft_delete);
  EXPECT_TRUE(d.advance_watermark);
}

TEST(RunGate, IncrementalNeverDeletes) {
  auto d = DecideConsolidation(MakeRun("incremental", "running", 3, 0, 0), "r1", false);
  EXPECT_TRUE(d.proceed());
  EXPECT_FALSE(d.soft_delete);
  EXPECT_TRUE(d.advance_watermark);
}

TEST(RunGate, PartitionsInProgressAreNotReady) {
  EXPECT_EQ(DecideConsolidation(MakeRun("full", "running", 10, 1, 0), "r1", false).outcome,
            ConsolidationOutcome::kNotReady);
  EXPECT_EQ(DecideConsolidation(MakeRun("full", "running", 10, 1, 2), "r1", true).outcome,
            ConsolidationOutcome::kNotReady);
}

TEST(RunGate, FailedPartitionsNeedForce) {
  auto refused = DecideConsolidation(MakeRun("full", "running", 10, 0, 2), "r1", false);
  EXPECT_EQ(refused.outcome, ConsolidationOutcome::kRefused);
  EXPECT_NE(refused.reason.find("2 failed"), std::string::npos) << refused.reason;
  auto forced = DecideConsolidation(MakeRun("full", "running", 10, 0, 2), "r1", true);
  EXPECT_TRUE(forced.proceed());
  EXPECT_FALSE(forced.soft_delete);
  EXPECT_FALSE(forced.advance_watermark);
}

TEST(RunGate, ForcedCleanRunAdvancesButDoesNotDelete) {
  auto d = DecideConsolidation(MakeRun("full", "running", 10, 0, 0), "r1", true);
  EXPECT_TRUE(d.proceed());
  EXPECT_FALSE(d.soft_delete);
  EXPECT_TRUE(d.advance_watermark);
}

TEST(RunGate, FailedRunOnlyWithForce) {
  EXPECT_EQ(DecideConsolidation(MakeRun("incremental", "failed", 10, 0, 0), "r1", false).outcome,
            ConsolidationOutcome::kRefused);
  EXPECT_TRUE(DecideConsolidation(MakeRun("incremental", "failed", 10, 0, 0), "r1", true).proceed());
}

TEST(RunGate, CompletedRunIsADuplicate) {
  EXPECT_EQ(DecideConsolidation(MakeRun("full", "completed", 10, 0, 0), "r1", false).outcome,
            ConsolidationOutcome::kAlreadyCompleted);
}

}  // namespace
}  // namespace di::consolidate
