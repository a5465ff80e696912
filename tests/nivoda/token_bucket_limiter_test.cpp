#include "nivoda/token_bucket_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace di::nivoda {
namespace {

TEST(TokenBucketRateLimiter, BurstThenSteadyRate) {
  ManualClock clock;
  TokenBucketRateLimiter limiter({/*rate=*/10, /*burst=*/3, Millis(50)}, &clock);
  std::vector<int64_t> times;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(limiter.Acquire().ok());
    times.push_back(clock.MonotonicMs());
  }
  // Three at once, then one every 100 ms.
  EXPECT_EQ(times, (std::vector<int64_t>{0, 0, 0, 100, 200, 300, 400, 500}));
  EXPECT_EQ(limiter.admitted(), 8);
}

TEST(TokenBucketRateLimiter, IdleRefillsUpToBurstOnly) {
  ManualClock clock;
  TokenBucketRateLimiter limiter({4, 2, Millis(50)}, &clock);  // 250 ms interval
  ASSERT_TRUE(limiter.Acquire().ok());
  clock.Advance(Millis(10000));
  const int64_t start = clock.MonotonicMs();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(limiter.Acquire().ok());
  // Two immediately (the burst), then 250 ms apart.
  EXPECT_EQ(clock.MonotonicMs() - start, 500);
}

TEST(TokenBucketRateLimiter, FractionalRates) {
  ManualClock clock;
  TokenBucketRateLimiter limiter({0.5, 1, Millis(50)}, &clock);
  ASSERT_TRUE(limiter.Acquire().ok());
  ASSERT_TRUE(limiter.Acquire().ok());
  EXPECT_EQ(clock.MonotonicMs(), 2000);
}

TEST(TokenBucketRateLimiter, ShutdownCancelsWaitersAndLaterCalls) {
  SystemClock clock;
  TokenBucketRateLimiter limiter({0.1, 1, Millis(20)}, &clock);  // one per 10 s
  ASSERT_TRUE(limiter.Acquire().ok());
  Status waited;
  std::thread waiter([&] { waited = limiter.Acquire(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const int64_t before = clock.MonotonicMs();
  limiter.Shutdown();
  waiter.join();
  EXPECT_EQ(waited.code(), Code::kCancelled);
  EXPECT_EQ(limiter.admitted(), 1) << "the waiter was cancelled, not admitted";
  // Woken by the shutdown (the poll is 20 ms), long before its token (10 s).
  EXPECT_LT(clock.MonotonicMs() - before, 5000);
  EXPECT_EQ(limiter.Acquire().code(), Code::kCancelled);
}

// Real time, many threads: the admitted count over the run stays within
// burst + elapsed * rate.
TEST(TokenBucketRateLimiter, ConcurrentCallersRespectTheRate) {
  SystemClock clock;
  const double rate = 200;
  const int burst = 5;
  TokenBucketRateLimiter limiter({rate, burst, Millis(5)}, &clock);
  std::atomic<int> admitted{0};
  const int64_t start = clock.MonotonicMs();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (limiter.Acquire().ok()) ++admitted;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed_s = (clock.MonotonicMs() - start) / 1000.0;
  EXPECT_EQ(admitted.load(), 80);
  // 80 requests need at least (80 - burst) / rate seconds.
  EXPECT_GE(elapsed_s, (80 - burst) / rate - 0.01);
}

TEST(UnlimitedRateLimiter, NeverWaitsUntilShutdown) {
  UnlimitedRateLimiter limiter;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Acquire().ok());
  limiter.Shutdown();
  EXPECT_EQ(limiter.Acquire().code(), Code::kCancelled);
}

}  // namespace
}  // namespace di::nivoda
