// The account's budget shared between flows (the feeds), through PostgreSQL:
// fair_share.h's policy as AccountRateLimiter applies it, with real processes'
// limiters (each its own pool) on one account.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "ratelimit/account_rate_limiter.h"
#include "test_database.h"

namespace di::ratelimit {
namespace {

constexpr double kRate = 20;
constexpr int64_t kWarmupMs = 1000;
constexpr int64_t kMeasureMs = 5000;

// One sender: a thread of a process (LIMITER) acquiring for FLOW, pausing
// PAUSE_MS after each send (0: as fast as the limiter allows).
struct Sender {
  int limiter;
  std::string flow;
  int pause_ms = 0;
};

// Runs the senders on PROCESSES limiters of one account for the warm-up and
// the measured window; returns the sends per flow inside the window.
std::map<std::string, int> RunSenders(testing::TestDatabase& db, int processes, const std::vector<Sender>& senders) {
  std::vector<std::unique_ptr<AccountRateLimiter>> limiters;
  for (int p = 0; p < processes; ++p) {
    AccountRateLimiterOptions o;
    o.account = "acct";
    o.requests_per_second = kRate;
    limiters.push_back(std::make_unique<AccountRateLimiter>(std::make_shared<pg::Pool>(db.url(), 1), o));
  }
  std::mutex mu;
  std::map<std::string, int> sends;
  const int64_t t0 = DefaultClock().MonotonicMs();
  const int64_t from = t0 + kWarmupMs;
  const int64_t to = from + kMeasureMs;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (const Sender& s : senders) {
    threads.emplace_back([&, s] {
      while (!stop) {
        Status st = limiters[s.limiter]->AcquireFor(s.flow);
        if (!st.ok()) return;
        const int64_t now = DefaultClock().MonotonicMs();
        if (now >= from && now < to) {
          std::lock_guard<std::mutex> lock(mu);
          ++sends[s.flow];
        }
        if (s.pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(s.pause_ms));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(to - DefaultClock().MonotonicMs() + 50));
  stop = true;
  for (auto& l : limiters) l->Shutdown();
  for (auto& t : threads) t.join();
  return sends;
}

// Natural has three processes, lab-grown one, of 12 threads each (a worker's
// requests in flight: enough to hold a share of the horizon): first come,
// first served would give natural about 3/4 of the slots. Each gets half.
TEST(FairSharePgTest, TwoGreedyFeedsShareTheAccountEqually) {
  auto db = testing::TestDatabase::Create();
  std::vector<Sender> senders;
  for (int p = 0; p < 4; ++p) {
    for (int t = 0; t < 12; ++t) senders.push_back({p, p < 3 ? "natural" : "labgrown"});
  }
  std::map<std::string, int> sends = RunSenders(db, 4, senders);
  const double total = sends["natural"] + sends["labgrown"];
  const double budget = kRate * kMeasureMs / 1000;
  EXPECT_GE(total, 0.85 * budget) << "the budget is used";
  EXPECT_LE(total, budget + kRate) << "never above the account's rate";
  const double share = sends["labgrown"] / total;
  std::printf("natural %d, lab-grown %d sends in %lld ms (share %.2f)\n", sends["natural"], sends["labgrown"],
              static_cast<long long>(kMeasureMs), share);
  EXPECT_GT(share, 0.35) << sends["labgrown"] << " lab-grown of " << total;
  EXPECT_LT(share, 0.65) << sends["labgrown"] << " lab-grown of " << total;
}

// A feed alone takes the whole rate.
TEST(FairSharePgTest, AFeedAloneTakesTheWholeRate) {
  auto db = testing::TestDatabase::Create();
  std::map<std::string, int> sends = RunSenders(db, 2, {{0, "natural"}, {0, "natural"}, {1, "natural"}});
  EXPECT_GE(sends["natural"], 0.85 * kRate * kMeasureMs / 1000);
}

// A feed that asks for less than its half gets what it asks; the other feed
// takes the rest (nothing idles).
TEST(FairSharePgTest, AModestFeedGetsItsDemandAndTheOtherTheRest) {
  auto db = testing::TestDatabase::Create();
  // Lab-grown asks about 4 a second (a send, then 250 ms of work).
  std::map<std::string, int> sends =
      RunSenders(db, 2, {{0, "natural"}, {0, "natural"}, {0, "natural"}, {1, "labgrown", 250}});
  const double seconds = kMeasureMs / 1000.0;
  EXPECT_GE(sends["labgrown"], 0.8 * 4 * seconds) << "its demand, not held back";
  EXPECT_GE(sends["natural"], 0.8 * (kRate - 4) * seconds) << "the rest of the rate";
  EXPECT_LE(sends["natural"] + sends["labgrown"], kRate * (seconds + 1));
}

}  // namespace
}  // namespace di::ratelimit
