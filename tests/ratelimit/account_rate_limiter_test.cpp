#include "ratelimit/account_rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "test_database.h"

namespace di::nivoda {
namespace {

// The account's row in rate_limit_slots: the next free slot (database clock,
// ms) and the number of blocks handed out.
struct AccountRow {
  double next_free_ms = 0;
  int64_t grants = 0;
};

AccountRow ReadAccount(pg::Connection& conn, const std::string& account) {
  auto r = conn.Exec("SELECT next_free_ms, grants FROM rate_limit_slots WHERE account = $1", {pg::P(account)});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok() || r->rows() != 1) return {};
  return {r->GetDouble(0, 0), r->GetInt64(0, 1)};
}

// Many "processes" (each its own limiter and pool, as separate machines would
// have) with many threads each, until 100 sends: count sends in every 1-second
// window, and check on the account's row that the budget was handed out without
// a hole and used.
TEST(AccountRateLimiterTest, ManyProcessesStayUnderTheAccountLimit) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  constexpr int kProcesses = 30;
  constexpr int kThreadsEach = 4;
  constexpr double kRate = 25;
  constexpr int kBlock = 5;  // slots per reservation (the default: rate / 5)
  // Slots that may go unused at the end: reserved ahead (at most the 2 s
  // horizon plus a block) or due while their threads were late (up to 1 s).
  constexpr double kUnusedSlots = (2 + 1) * kRate + kBlock;
  constexpr size_t kSends = 100;
  std::vector<std::unique_ptr<ratelimit::AccountRateLimiter>> limiters;
  for (int p = 0; p < kProcesses; ++p) {
    ratelimit::AccountRateLimiterOptions o;
    o.account = "acct";
    o.requests_per_second = kRate;
    o.block = kBlock;
    limiters.push_back(std::make_unique<ratelimit::AccountRateLimiter>(std::make_shared<pg::Pool>(db.url(), 1), o));
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int64_t> sends;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProcesses; ++p) {
    for (int t = 0; t < kThreadsEach; ++t) {
      threads.emplace_back([&, p] {
        while (!stop) {
          if (!limiters[p]->Acquire().ok()) return;
          std::lock_guard<std::mutex> lock(mu);
          sends.push_back(DefaultClock().MonotonicMs());
          cv.notify_all();
        }
      });
    }
  }
  // Once sending is under way, the account's schedule from here on; then on
  // to kSends sends (a generous minute at most: it takes about 4 s).
  AccountRow first;
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(60), [&] { return sends.size() >= static_cast<size_t>(kRate); });
  }
  first = ReadAccount(*conn, "acct");
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(60), [&] { return sends.size() >= kSends; });
  }
  stop = true;
  for (auto& l : limiters) l->Shutdown();
  for (auto& t : threads) t.join();
  const AccountRow last = ReadAccount(*conn, "acct");
  ASSERT_GE(sends.size(), kSends) << "the limiters let requests through";
  std::sort(sends.begin(), sends.end());
  size_t peak = 0;
  for (size_t i = 0, j = 0; i < sends.size(); ++i) {
    while (sends[i] - sends[j] >= 1000) ++j;
    peak = std::max(peak, i - j + 1);
  }
  // Slots are 1/rate apart: rate + 1 per window, one more when a late thread's
  // send meets the next slot's on 2 busy cores.
  EXPECT_LE(peak, static_cast<size_t>(kRate) + 2) << "peak sends in any 1 s window";
  // The budget is used, not wasted: while the processes wanted more, every
  // reservation took the slots right after the previous one (a hole would
  // mean a stretch of the account's time without a slot handed out) ...
  EXPECT_GT(last.grants, first.grants);
  EXPECT_NEAR(last.next_free_ms - first.next_free_ms, (last.grants - first.grants) * kBlock * (1000 / kRate), 1.0)
      << "the account's schedule has a hole";
  // ... and every slot handed out was used, but those still ahead when the
  // limiters shut down.
  EXPECT_GE(static_cast<double>(sends.size()), last.grants * kBlock - kUnusedSlots)
      << last.grants << " blocks of " << kBlock << " slots handed out";
  int64_t reservations = 0;
  for (auto& l : limiters) reservations += l->reservations();
  EXPECT_EQ(reservations, last.grants) << "every reservation is one row update";
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

  // Another account: its own row, its own budget. Were the slow account's
  // budget shared, 50 sends would take 50 s; 10 s is 100x what they take.
  auto conn = db.Connect();
  const AccountRow slow_before = ReadAccount(*conn, "slow");
  ratelimit::AccountRateLimiterOptions other;
  other.account = "other";
  other.requests_per_second = 1000;
  ratelimit::AccountRateLimiter fast(pool, other);
  int64_t t0 = DefaultClock().MonotonicMs();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(fast.Acquire().ok());
  EXPECT_LT(DefaultClock().MonotonicMs() - t0, 10000) << "another account's budget is not shared";
  const AccountRow slow_after = ReadAccount(*conn, "slow");
  EXPECT_EQ(slow_after.grants, slow_before.grants) << "the slow account's budget was not touched";
  EXPECT_EQ(slow_after.next_free_ms, slow_before.next_free_ms);
  EXPECT_EQ(ReadAccount(*conn, "other").grants, fast.reservations());
  EXPECT_GE(fast.reservations(), 1);
}

// The adapted rate is the account's, not a process's: two limiters (two
// processes, each its own pool) at 20/s; a 429 reported by one pauses and
// slows the other, and a 429 for a request sent before that decrease does not
// decrease the rate again.
TEST(AccountRateLimiterTest, A429SlowsEveryProcessOfTheAccount) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  ratelimit::AccountRateLimiterOptions o;
  o.account = "shared";
  o.requests_per_second = 20;
  o.block = 1;  // no slot held ahead: each send reads the account's row
  ratelimit::AccountRateLimiter a(std::make_shared<pg::Pool>(db.url(), 1), o);
  ratelimit::AccountRateLimiter b(std::make_shared<pg::Pool>(db.url(), 1), o);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(a.Acquire().ok());
    ASSERT_TRUE(b.Acquire().ok());
  }
  EXPECT_EQ(b.current_rate(), 20);
  const int64_t before_decrease = DefaultClock().MonotonicMs() - 50;
  const int64_t reported = DefaultClock().MonotonicMs();
  a.OnRateLimited(reported, Millis(1000));
  EXPECT_EQ(a.rate_limited(), 1);
  EXPECT_EQ(a.decreases(), 1);
  auto row = conn->Exec(
      "SELECT base_rate, paused_until_ms - extract(epoch FROM clock_timestamp()) * 1000, rate_limited, decreases"
      " FROM rate_limit_slots WHERE account = 'shared'");
  ASSERT_TRUE(row.ok() && row->rows() == 1);
  EXPECT_DOUBLE_EQ(row->GetDouble(0, 0), 16) << "20/s x 0.8, in the account's row";
  EXPECT_GT(row->GetDouble(0, 1), 800) << "the account is paused for Retry-After";
  EXPECT_EQ(row->GetInt64(0, 2), 1);
  EXPECT_EQ(row->GetInt64(0, 3), 1);

  // The other process waits for the pause, then sends at the lowered rate.
  ASSERT_TRUE(b.Acquire().ok());
  EXPECT_GE(DefaultClock().MonotonicMs() - reported, 900) << "b sent during the account's pause";
  EXPECT_NEAR(b.current_rate(), 16, 0.2);
  const int64_t t0 = DefaultClock().MonotonicMs();
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(b.Acquire().ok());
  EXPECT_GE(DefaultClock().MonotonicMs() - t0, 8 * 1000 / 16 - 20) << "8 slots at 16/s, not 20/s";

  // b's 429 for a request sent before a's decrease: the same round, paused again but not slowed again.
  b.OnRateLimited(before_decrease, Millis(1000));
  EXPECT_EQ(b.decreases(), 0);
  // One sent after it: the rate goes down again (16/s grown a little since, x 0.8).
  b.OnRateLimited(DefaultClock().MonotonicMs(), Millis(1000));
  EXPECT_EQ(b.decreases(), 1);
  row = conn->Exec("SELECT base_rate, rate_limited, decreases FROM rate_limit_slots WHERE account = 'shared'");
  ASSERT_TRUE(row.ok() && row->rows() == 1);
  EXPECT_NEAR(row->GetDouble(0, 0), 12.8, 0.3);
  EXPECT_EQ(row->GetInt64(0, 1), 3);
  EXPECT_EQ(row->GetInt64(0, 2), 2);
  ASSERT_TRUE(a.Acquire().ok());
  EXPECT_NEAR(a.current_rate(), 12.8, 0.3) << "a follows b's decrease";
}

// A thread sleeping until a slot it holds gives it up when its process sees a
// 429, and waits for the pause instead.
TEST(AccountRateLimiterTest, HeldSlotsAreDroppedOnA429) {
  auto db = testing::TestDatabase::Create();
  ratelimit::AccountRateLimiterOptions o;
  o.account = "held";
  o.requests_per_second = 5;
  o.block = 5;  // a second of slots held at once
  ratelimit::AccountRateLimiter limiter(std::make_shared<pg::Pool>(db.url(), 1), o);
  ASSERT_TRUE(limiter.Acquire().ok());  // slot 1 of 5; the next is 200 ms away
  const int64_t reported = DefaultClock().MonotonicMs();
  std::thread waiter([&] { EXPECT_TRUE(limiter.Acquire().ok()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  limiter.OnRateLimited(reported, Millis(1000));
  waiter.join();
  EXPECT_GE(DefaultClock().MonotonicMs() - reported, 950) << "the held slot was used despite the 429";
}

}  // namespace
}  // namespace di::nivoda
