// The completion decision (roles/completion_policy.h) as a table: the run's
// counters after a partition ended and the success threshold, beside the
// outcome they must give. One row per branch and per boundary of
// DecideRunOutcome: partitions still running (one short of the end), none
// failed (the empty run too), at least `threshold` succeeded (exactly 70%, just
// under it, thresholds 0 and 1), too many failed, counters of a run that
// expects no partition yet has failures.
#include "roles/completion_policy.h"

#include <gtest/gtest.h>

#include <string>

namespace di::ingest {
namespace {

struct Row {
  const char* what;
  int expected;
  int completed;
  int failed;
  double threshold;
  RunOutcome outcome;
};

constexpr RunOutcome kRunning = RunOutcome::kStillRunning;
constexpr RunOutcome kNow = RunOutcome::kConsolidateNow;
constexpr RunOutcome kForced = RunOutcome::kConsolidateForcedLater;
constexpr RunOutcome kFail = RunOutcome::kFailRun;

// Columns: what | expected completed failed | threshold | outcome.
// clang-format off
constexpr Row kTable[] = {
    {"none ended yet",                                         10,        0,     0,      0.7, kRunning},
    {"one partition still running, none failed",               10,        9,     0,      0.7, kRunning},
    {"one partition still running, 3 failed",                  10,        6,     3,      0.7, kRunning},
    {"one partition still running, all others failed",         10,        0,     9,      0.7, kRunning},
    {"all ended, none failed",                                 10,       10,     0,      0.7, kNow},
    {"a single partition, completed",                           1,        1,     0,      0.7, kNow},
    {"empty run (no partition)",                                0,        0,     0,      0.7, kNow},
    {"none failed, counted past the end",                      10,       11,     0,      0.7, kNow},
    {"none failed, threshold 1",                               10,       10,     0,      1.0, kNow},
    {"80% succeeded",                                          10,        8,     2,      0.7, kForced},
    {"exactly 70% succeeded",                                  10,        7,     3,      0.7, kForced},
    {"exactly 70% of 20",                                      20,       14,     6,      0.7, kForced},
    {"exactly 70% of 1,000",                                 1000,      700,   300,      0.7, kForced},
    {"one under 70% of 1,000 (69.9%)",                       1000,      699,   301,      0.7, kFail},
    {"60% succeeded",                                          10,        6,     4,      0.7, kFail},
    {"2 of 3 (66.7%) under 70%",                                3,        2,     1,      0.7, kFail},
    {"a single partition, failed",                              1,        0,     1,      0.7, kFail},
    {"all failed",                                             10,        0,    10,      0.7, kFail},
    {"threshold 0: any success rate is enough",                10,        0,    10,      0.0, kForced},
    {"threshold 1: one failure fails the run",                 10,        9,     1,      1.0, kFail},
    {"no partition expected, yet one failed",                   0,        0,     1,      0.7, kFail},
    {"no partition expected, one completed and one failed",     0,        1,     1,      0.0, kFail},
};
// clang-format on

// Outcomes by name, so a failing row reads "fail_run" vs "consolidate_now".
std::string Name(RunOutcome o) { return RunOutcomeName(o); }

TEST(CompletionPolicyTest, DecisionTable) {
  for (const Row& row : kTable) {
    SCOPED_TRACE(std::string(row.what) + ": {expected " + std::to_string(row.expected) + ", completed " +
                 std::to_string(row.completed) + ", failed " + std::to_string(row.failed) + "}, threshold " +
                 std::to_string(row.threshold));
    EXPECT_EQ(Name(DecideRunOutcome({row.expected, row.completed, row.failed}, row.threshold)), Name(row.outcome));
  }
}

// Every outcome appears in the table, so none of them is untested.
TEST(CompletionPolicyTest, TableCoversEveryOutcome) {
  for (RunOutcome o : {kRunning, kNow, kForced, kFail}) {
    bool found = false;
    for (const Row& row : kTable) found = found || row.outcome == o;
    EXPECT_TRUE(found) << Name(o);
  }
}

TEST(CompletionPolicyTest, OutcomeNames) {
  EXPECT_STREQ(RunOutcomeName(kRunning), "still_running");
  EXPECT_STREQ(RunOutcomeName(kNow), "consolidate_now");
  EXPECT_STREQ(RunOutcomeName(kForced), "consolidate_forced_later");
  EXPECT_STREQ(RunOutcomeName(kFail), "fail_run");
}

}  // namespace
}  // namespace di::ingest
