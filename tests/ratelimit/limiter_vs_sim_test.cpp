// The account-wide limiter seen from the vendor's side: 30 limiters (as 30
// processes would have, each with its own pool and client) against nivoda-sim
// enforcing 25 requests/s; the simulator counts the peak of any 1 s window.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "nivoda/nivoda_client.h"
#include "ratelimit/account_rate_limiter.h"
#include "sim_process.h"
#include "test_database.h"

namespace di::nivoda {
namespace {

// PROCESSES limiters of account "acct" at RATE, each with its own pool of
// POOL_SIZE connections and its own client of SIM, as that many processes have.
struct Processes {
  std::vector<std::shared_ptr<ratelimit::AccountRateLimiter>> limiters;
  std::vector<std::unique_ptr<NivodaClient>> clients;
};
Processes MakeProcesses(const std::string& db_url, const testing::SimProcess& sim, int processes, double rate,
                        int pool_size) {
  Processes out;
  for (int p = 0; p < processes; ++p) {
    ratelimit::AccountRateLimiterOptions lo;
    lo.account = "acct";
    lo.requests_per_second = rate;
    out.limiters.push_back(
        std::make_shared<ratelimit::AccountRateLimiter>(std::make_shared<pg::Pool>(db_url, pool_size), lo));
    ClientOptions co;
    co.endpoint = sim.endpoint();
    co.username = testing::SimProcess::kUsername;
    co.password = testing::SimProcess::kPassword;
    co.limiter = out.limiters.back();
    auto client = NivodaClient::Create(co);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    if (client.ok()) out.clients.push_back(std::move(client).value());
  }
  return out;
}

TEST(LimiterVsSimTest, ThirtyProcessesNeverTripTheVendorsLimit) {
  auto db = testing::TestDatabase::Create();
  // The simulator's bucket: 25/s with its default burst allowance (one second).
  auto sim = testing::SimProcess::Start(
      {"--natural", "2000", "--labgrown", "0", "--rate-limit", "25", "--latency-base-ms", "30"});
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  constexpr int kProcesses = 30;
  auto [limiters, clients] = MakeProcesses(db.url(), **sim, kProcesses, 25, 1);
  ASSERT_EQ(clients.size(), static_cast<size_t>(kProcesses));
  ASSERT_TRUE((*sim)->ResetCounters().ok());
  std::atomic<bool> stop{false};
  std::atomic<int64_t> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProcesses; ++p) {
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, p] {
        DiamondQuery q;
        q.labgrown = false;
        while (!stop) {
          auto page = clients[p]->FetchPage(q, 0, 50, Order{});
          if (page.ok())
            ++ok;
          else if (page.status().code() != Code::kCancelled)
            ++failed;
        }
      });
    }
  }
  // Until 100 pages came back (a generous minute at most: it takes about 5 s).
  const int64_t deadline = DefaultClock().MonotonicMs() + 60000;
  while (ok.load() < 100 && DefaultClock().MonotonicMs() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop = true;
  for (auto& l : limiters) l->Shutdown();
  for (auto& c : clients) c->Cancel();
  for (auto& t : threads) t.join();
  auto counters = (*sim)->Counters();
  ASSERT_TRUE(counters.ok());
  EXPECT_EQ(counters->rate_limited, 0) << "no 429 from the vendor";
  // Our slots are 40 ms apart: at most 26 in a 1 s window, one more when a
  // late thread's send meets the next slot's (2 busy cores).
  EXPECT_LE(counters->peak_requests_per_second, 27) << "peak of any 1 s window at the vendor";
  EXPECT_GE(ok.load(), 100);
  EXPECT_EQ(failed.load(), 0);
  // The budget is used: every slot the account handed out (blocks of 5) became
  // a request at the vendor (authentications included), but those still ahead
  // when the limiters shut down (the 2 s horizon and a block) or due while
  // their threads were late (up to 1 s).
  auto conn = db.Connect();
  auto grants = conn->Exec("SELECT grants FROM rate_limit_slots WHERE account = 'acct'");
  ASSERT_TRUE(grants.ok() && grants->rows() == 1);
  EXPECT_GE(counters->requests, grants->GetInt64(0, 0) * 5 - (3 * 25 + 5))
      << grants->GetInt64(0, 0) << " blocks of 5 slots handed out";
}

// A setting above what the vendor allows (50/s against the simulator's 20/s,
// the 25 against 10 at twice the pace): two processes' limiters learn
// the vendor's limit from its 429s through the account's row. No call fails,
// 429s stay a small fraction, and once settled the vendor's rate is used.
TEST(LimiterVsSimTest, ASettingAboveTheVendorsLimitCostsSpeedNotCalls) {
  auto db = testing::TestDatabase::Create();
  constexpr double kVendor = 20;
  auto sim = testing::SimProcess::Start({"--natural", "2000", "--labgrown", "0", "--rate-limit", "20",
                                         "--latency-base-ms", "20", "--latency-jitter", "0"});
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  constexpr int kProcesses = 2;
  auto [limiters, clients] = MakeProcesses(db.url(), **sim, kProcesses, 50, 2);
  ASSERT_EQ(clients.size(), static_cast<size_t>(kProcesses));
  std::atomic<bool> stop{false};
  std::atomic<int64_t> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProcesses; ++p) {
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&, p] {
        DiamondQuery q;
        q.labgrown = false;
        while (!stop) {
          auto page = clients[p]->FetchPage(q, 0, 50, Order{});
          if (page.ok())
            ++ok;
          else if (page.status().code() != Code::kCancelled)
            ++failed;
        }
      });
    }
  }
  // Settling takes a few seconds; then 8 s are measured (a generous minute at most).
  const int64_t start = DefaultClock().MonotonicMs();
  while (ok.load() < 100 && DefaultClock().MonotonicMs() < start + 60000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const int64_t settled_ok = ok.load(), settled_at = DefaultClock().MonotonicMs();
  std::this_thread::sleep_for(std::chrono::seconds(8));
  const double measured_rate = static_cast<double>(ok.load() - settled_ok) * 1000.0 /
                               static_cast<double>(DefaultClock().MonotonicMs() - settled_at);
  stop = true;
  for (auto& l : limiters) l->Shutdown();
  for (auto& c : clients) c->Cancel();
  for (auto& t : threads) t.join();
  auto counters = (*sim)->Counters();
  ASSERT_TRUE(counters.ok());
  int64_t decreases = 0;
  for (auto& l : limiters) decreases += l->decreases();
  std::printf(
      "[limiter] setting 50/s, vendor 20/s: %.1f pages/s once settled, %lld 429s of %lld requests, "
      "%lld decreases\n",
      measured_rate, static_cast<long long>(counters->rate_limited), static_cast<long long>(counters->requests),
      static_cast<long long>(decreases));
  EXPECT_EQ(failed.load(), 0) << "a 429 costs time, never the call";
  EXPECT_GT(counters->rate_limited, 0) << "the vendor did refuse the setting";
  EXPECT_LT(counters->rate_limited * 20, counters->requests) << "429s stay under 5% of the requests";
  EXPECT_GE(measured_rate, 0.85 * kVendor) << "the vendor's rate is used once settled";
  EXPECT_GE(decreases, 1);
  for (auto& l : limiters) EXPECT_LT(l->current_rate(), 30) << "both processes follow the account's rate";
}

}  // namespace
}  // namespace di::nivoda
