// Full or incremental (roles/run_type_policy.h) as a table: what `schedule`
// knows (--full, a watermark, the snapshot time of the feed's last complete
// full run, FULL_RUN_INTERVAL) beside the run type it must choose and why.
// One row per branch and per boundary: the interval reached exactly, one
// second short of it, a full run from the future (clock skew).
#include "roles/run_type_policy.h"

#include <gtest/gtest.h>

namespace di {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const WallTime kNow = WallTime(std::chrono::sys_days(std::chrono::year(2026) / 11 / 22)) + hours(2);

struct Row {
  const char* what;
  bool full_requested;
  bool has_watermark;
  std::optional<Millis> last_full_age;  // nullopt: no complete full run
  Millis interval;
  bool full;
  const char* reason;
};

// clang-format off
const Row kTable[] = {
    {"--full wins over a fresh full run", true,  true,  Millis(minutes(5)), hours(24), true,  "--full was given"},
    {"first run: no watermark",           false, false, std::nullopt,       hours(24), true,  "no watermark yet"},
    {"no watermark, yet a full run",      false, false, Millis(hours(1)),   hours(24), true,  "no watermark yet"},
    {"watermark but never a complete full run (forced or failed ones)",
                                          false, true,  std::nullopt,       hours(24), true,
     "the feed has no complete full run yet"},
    {"full run 1 h ago",                  false, true,  Millis(hours(1)),   hours(24), false,
     "the last complete full run is 60 min old (FULL_RUN_INTERVAL 24 h)"},
    {"one second short of the interval",  false, true,  Millis(hours(24) - seconds(1)), hours(24), false,
     "the last complete full run is 23 h old (FULL_RUN_INTERVAL 24 h)"},
    {"exactly the interval",              false, true,  Millis(hours(24)),  hours(24), true,
     "the last complete full run is 24 h old (FULL_RUN_INTERVAL 24 h)"},
    {"25 h, nightly schedule drifted",    false, true,  Millis(hours(25)),  hours(24), true,
     "the last complete full run is 25 h old (FULL_RUN_INTERVAL 24 h)"},
    {"short interval (tests)",            false, true,  Millis(seconds(3)), seconds(2), true,
     "the last complete full run is 3 s old (FULL_RUN_INTERVAL 2 s)"},
    {"weekly interval, 3 days old",       false, true,  Millis(hours(72)),  hours(168), false,
     "the last complete full run is 72 h old (FULL_RUN_INTERVAL 168 h)"},
    {"a full run in the future (clock skew) is fresh",
                                          false, true,  Millis(-hours(1)),  hours(24), false,
     "the last complete full run is -3600 s old (FULL_RUN_INTERVAL 24 h)"},
};
// clang-format on

TEST(RunTypePolicyTest, Table) {
  for (const Row& row : kTable) {
    RunTypeInputs in;
    in.full_requested = row.full_requested;
    in.has_watermark = row.has_watermark;
    if (row.last_full_age) in.last_complete_full = kNow - *row.last_full_age;
    in.now = kNow;
    in.full_run_interval = row.interval;
    RunTypeDecision d = DecideRunType(in);
    EXPECT_EQ(d.full, row.full) << row.what;
    EXPECT_EQ(d.reason, row.reason) << row.what;
  }
}

TEST(RunTypePolicyTest, DescribeAge) {
  EXPECT_EQ(DescribeAge(Millis(0)), "0 s");
  EXPECT_EQ(DescribeAge(seconds(119)), "119 s");
  EXPECT_EQ(DescribeAge(seconds(120)), "2 min");
  EXPECT_EQ(DescribeAge(minutes(119)), "119 min");
  EXPECT_EQ(DescribeAge(hours(2)), "2 h");
  EXPECT_EQ(DescribeAge(hours(48) + minutes(59)), "48 h");
}

}  // namespace
}  // namespace di
