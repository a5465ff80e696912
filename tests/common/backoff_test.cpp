// FailureBackoff: doubling delays up to the cap, logging at failures 1, 2, 4,
// 8, ..., reset by a success.
#include "common/backoff.h"

#include <gtest/gtest.h>

namespace di {
namespace {

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
