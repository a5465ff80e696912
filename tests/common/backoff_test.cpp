// DoublingDelay (the redelivery backoff of every role) as a table, and
// FailureBackoff: doubling delays up to the cap, logging at failures 1, 2, 4,
// 8, ..., reset by a success.
#include "common/backoff.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace di {
namespace {

// delivery count -> delay before the next delivery, first delay 30 s (the
// default QUEUE_RETRY_DELAY_SECONDS), cap 10 min.
TEST(DoublingDelay, RedeliveryTable) {
  const std::pair<int64_t, int64_t> table[] = {
      {-1, 30}, {0, 30},  {1, 30},  {2, 60},   {3, 120},    {4, 240},
      {5, 480}, {6, 600}, {7, 600}, {10, 600}, {1000, 600}, {INT64_MAX, 600},
  };
  for (const auto& [delivery, seconds] : table) {
    EXPECT_EQ(DoublingDelay(Millis(30000), delivery), Millis(seconds * 1000)) << "delivery " << delivery;
  }
}

// A short first delay keeps doubling past 2^5 (the worker once stopped there)
// up to the 10-minute cap.
TEST(DoublingDelay, SmallFirstDelayReachesTheCap) {
  const std::pair<int64_t, int64_t> table[] = {
      {1, 1000}, {6, 32000}, {7, 64000}, {10, 512000}, {11, 600000}, {40, 600000},
  };
  for (const auto& [delivery, ms] : table) {
    EXPECT_EQ(DoublingDelay(Millis(1000), delivery), Millis(ms)) << "delivery " << delivery;
  }
  EXPECT_EQ(kMaxRedeliveryDelay, Millis(600000));
}

TEST(DoublingDelay, ZeroFirstAndOtherCaps) {
  EXPECT_EQ(DoublingDelay(Millis(0), 50), Millis(0));
  EXPECT_EQ(DoublingDelay(Millis(1000), 3, Millis(2500)), Millis(2500));
  EXPECT_EQ(DoublingDelay(Millis(5000), 1, Millis(2000)), Millis(2000));  // the cap wins even at first
}

TEST(FailureBackoff, DoublesToTheCapAndLogsAtPowersOfTwo) {
  FailureBackoff b(Millis(1000), Millis(30000));
  std::vector<int64_t> delays;
  std::vector<int64_t> logged;
  for (int i = 0; i < 40; ++i) {
    delays.push_back(b.Failure().count());
    if (b.ShouldLog()) logged.push_back(b.failures());
  }
  EXPECT_EQ(std::vector<int64_t>(delays.begin(), delays.begin() + 7),
            (std::vector<int64_t>{1000, 2000, 4000, 8000, 16000, 30000, 30000}));
  EXPECT_EQ(delays.back(), 30000);
  EXPECT_EQ(logged, (std::vector<int64_t>{1, 2, 4, 8, 16, 32}));
  b.Success();
  EXPECT_FALSE(b.ShouldLog());
  EXPECT_EQ(b.Failure().count(), 1000);
  EXPECT_TRUE(b.ShouldLog());
}

}  // namespace
}  // namespace di
