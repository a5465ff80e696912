#include "common/clock.h"

#include <gtest/gtest.h>

namespace di {
namespace {

TEST(ClockTest, IsoRoundTrip) {
  WallTime t;
  ASSERT_TRUE(ParseIso8601("2026-02-12T19:01:13.001Z", &t));
  EXPECT_EQ(FormatIso8601(t), "2026-02-12T19:01:13.001Z");
  ASSERT_TRUE(ParseIso8601("2026-02-12T19:01:13Z", &t));
  EXPECT_EQ(FormatIso8601(t), "2026-02-12T19:01:13.000Z");
  ASSERT_TRUE(ParseIso8601("2026-02-12T19:01:13.5+00:00", &t));
  EXPECT_EQ(FormatIso8601(t), "2026-02-12T19:01:13.500Z");
}

TEST(ClockTest, IsoRejectsGarbage) {
  WallTime t;
  EXPECT_FALSE(ParseIso8601("yesterday", &t));
  EXPECT_FALSE(ParseIso8601("2026-13-12T19:01:13Z", &t));
  EXPECT_FALSE(ParseIso8601("2026-02-12T19:01:13+02:00", &t));
}

TEST(ClockTest, ManualClockAdvancesOnSleep) {
  ManualClock c;
  c.SleepFor(Millis(1500));
  EXPECT_EQ(c.MonotonicMs(), 1500);
}

}  // namespace
}  // namespace di
