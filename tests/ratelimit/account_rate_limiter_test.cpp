#include "ratelimit/account_rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "test_database.h"

namespace di::nivoda {
namespace {

// Many "processes" (each its own limiter and pool, as separate machines would
// have) with many threads each: count sends in every 1-second window.
TEST(AccountRateLimiterTest, ManyProcessesStayUnderTheAccountLimit) {
  auto db = testing::TestDatabase::Create();
  constexpr int kProcesses = 30;
  constexpr int kThreadsEach = 4;
  constexpr double kRate = 25;
  std::vector<std::unique_ptr<ratelimit::AccountRateLimiter>> limiters;
  for (int p = 0; p < kProcesses; ++p) {
    ratelimit::AccountRateLimiterOptions o;
    o.account = "acct";
    o.requests_per_second = kRate;
    limiters.push_back(std::make_unique<ratelimit::AccountRateLimiter>(std::make_shared<pg::Pool>(db.url(), 1), o));
  }
  std::mutex mu;
  std::vector<int64_t> sends;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  int64_t start = DefaultClock().MonotonicMs();
  for (int p = 0; p < kProcesses; ++p) {
    for (int t = 0; t < kThreadsEach; ++t) {
      threads.emplace_back([&, p] {
        while (!stop) {
          if (!limiters[p]->Acquire().ok()) return;
          std::lock_guard<std::mutex> lock(mu);
          sends.push_back(DefaultClock().MonotonicMs());
        }
      });
    }
  }
  std::this_thread::sleep_for(std::chrono::seconds(4));
  stop = true;
  for (auto& l : limiters) l->Shutdown();
  for (auto& t : threads) t.join();
  std::sort(sends.begin(), sends.end());
  size_t peak = 0;
  for (size_t i = 0, j = 0; i < sends.size(); ++i) {
    while (sends[i] - sends[j] >= 1000) ++j;
    peak = std::max(peak, i - j + 1);
  }
  double seconds = (DefaultClock().MonotonicMs() - start) / 1000.0;
  // Slots are 1/rate apart: rate + 1 per window, one more when a late thread's
  // send meets the next slot's on 2 busy cores.
  EXPECT_LE(peak, static_cast<size_t>(kRate) + 2) << "peak sends in any 1 s window";
  EXPECT_GE(sends.size(), static_cast<size_t>(kRate * (seconds - 1) * 0.9)) << "the budget is used, not wasted";
  int64_t reservations = 0;
  for (auto& l : limiters) reservations += l->reservations();
  EXPECT_LE(reservations, static_cast<int64_t>(sends.size() / 5 + kProcesses + 5))
      << "blocks of slots, not one row update per request";
}

TEST(AccountRateLimiterTest, AccountsAreIndependentAndShutdownWakesWaiters) {
  auto db = testing::TestDatabase::Create();
  auto pool = std::make_shared<pg::Pool>(db.url(), 2);
  ratelimit::AccountRateLimiterOptions slow;
  slow.account = "slow";
  slow.requests_per_second = 1;
  ratelimit::AccountRateLimiter limiter(pool, slow);
  {
    Status s = limiter.Acquire();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::atomic<bool> cancelled{false};
  std::thread waiter([&] {
    for (int i = 0; i < 100; ++i) {
      Status s = limiter.Acquire();
      if (s.code() == Code::kCancelled) {
        cancelled = true;
        return;
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  limiter.Shutdown();
  waiter.join();
  EXPECT_TRUE(cancelled.load());

  ratelimit::AccountRateLimiterOptions other;
  other.account = "other";
  other.requests_per_second = 1000;
  ratelimit::AccountRateLimiter fast(pool, other);
  int64_t t0 = DefaultClock().MonotonicMs();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(fast.Acquire().ok());
  EXPECT_LT(DefaultClock().MonotonicMs() - t0, 2000) << "another account's budget is not shared";
}

}  // namespace
}  // namespace di::nivoda
