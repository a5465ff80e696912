// Reliability scenario 5 (issue 8): the account rate limit. 30 partitions in
// flight against a simulator enforcing 25 requests/s (bucket = 1 s of rate):
// short, 3 `diamond-ingest work` processes x 10 partitions; DI_SOAK=1, 30
// processes x 1. They share the account budget through PostgreSQL
// (ratelimit/account_rate_limiter.h). Asserts: the simulator's peak 1-second
// arrival count stays within rate + burst, the run completes and raw == the
// simulator. Reports the 429s.
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "churn_support.h"

namespace di::testing {
namespace {

constexpr int kRate = 25;
constexpr int kBurst = kRate;  // the simulator's default: one second of rate

TEST(RateLimitTest, ThirtyPartitionsInFlightStayWithinTheAccountLimit) {
  const bool soak = SoakMode();
  const int64_t offers = Sized(3000, 10000);
  const int processes = soak ? 30 : 3;
  const int partitions_each = soak ? 1 : 10;
  Pipeline p({"--natural", std::to_string(offers), "--labgrown", "0", "--latency-base-ms", "20", "--rate-limit",
              std::to_string(kRate)});
  ASSERT_TRUE(p.sim);
  UseSturdyClient(p, 10, Millis(10000));  // the in-process scheduler has no account limiter: ride out its 429s
  std::string run = p.ScheduleFull(30, offers / 33);
  ASSERT_FALSE(run.empty());
  int64_t partitions = QueryInt(p, "SELECT expected_partitions FROM run_metadata WHERE run_id = $1", {run});
  ASSERT_GE(partitions, 28);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the scheduler's last second out of the window
  ASSERT_TRUE(p.sim->ResetCounters().ok());

  std::string logs = ScenarioDir("rate_limit");
  std::vector<std::string> env = {"NIVODA_RATE_LIMIT=" + std::to_string(kRate),
                                  "WORKER_PARTITIONS=" + std::to_string(partitions_each),
                                  "WORKER_REQUESTS_IN_FLIGHT=" + std::to_string(partitions_each * 3),
                                  "QUEUE_LEASE_SECONDS=10",
                                  "QUEUE_RETRY_DELAY_SECONDS=1",
                                  "RETRY_BASE_MS=200",
                                  "RETRY_CAP_MS=2000",
                                  "CONSOLIDATION_DELAY_SECONDS=2"};
  int64_t start = DefaultClock().MonotonicMs();
  int64_t peak_running = 0;
  bool queued = false;
  {
    std::vector<std::unique_ptr<WorkerProcess>> workers;
    for (int i = 0; i < processes; ++i) {
      workers.push_back(std::make_unique<WorkerProcess>(p, env, logs + "/w" + std::to_string(i) + ".log"));
    }
    int64_t deadline = start + Sized(150000, 900000);
    while (DefaultClock().MonotonicMs() < deadline) {
      peak_running = std::max(peak_running, QueryInt(p,
                                                     "SELECT count(*) FROM partition_runs WHERE run_id = $1"
                                                     " AND status = 'running'",
                                                     {run}));
      if (p.Pending(queue::kConsolidate) > 0) {
        queued = true;
        break;
      }
      if (p.RunStatus(run) == "failed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  double seconds = (DefaultClock().MonotonicMs() - start) / 1000.0;
  auto counters = p.sim->Counters();
  ASSERT_TRUE(counters.ok());
  ASSERT_TRUE(queued) << "run status " << p.RunStatus(run) << " after " << seconds << " s; "
                      << DescribeFaults(*counters) << "; logs in " << logs;
  EXPECT_EQ(p.Consolidate(run, Millis(120000)), "completed");

  EXPECT_LE(counters->peak_requests_per_second, kRate + kBurst) << DescribeFaults(*counters);
  EXPECT_GE(peak_running, 20) << "partitions in flight at once";
  auto raw = p.RawOfRun(run);
  auto truth = p.SimTruth();
  EXPECT_TRUE(raw == truth) << "missing or stale: " << DescribeDifference(truth, raw)
                            << "; extra: " << DescribeDifference(raw, truth);
  double mean_rate = counters->requests / std::max(seconds, 1.0);
  std::cout << "[rate-limit] " << processes << " processes x " << partitions_each << " partitions, " << partitions
            << " partitions (peak " << peak_running << " running at once), offers " << offers
            << (soak ? " (soak)" : " (short)") << ": raw " << raw.size() << " == simulator " << truth.size() << " "
            << (raw == truth) << "; fetched in " << seconds << " s; peak 1-s arrivals "
            << counters->peak_requests_per_second << " (limit " << kRate << " + burst " << kBurst << "), mean "
            << mean_rate << " req/s, 429 sent " << counters->rate_limited << " of " << counters->requests
            << " requests, peak concurrent " << counters->peak_concurrent << std::endl;
}

// Issue 19, "The rate adapts": NIVODA_RATE_LIMIT=25 against a simulator that
// allows 10/s (a setting above what the vendor really allows). Two real
// `work` processes share the account's adapted rate through PostgreSQL: the
// run completes with every offer, and 429s stay a small fraction.
TEST(RateLimitTest, ASettingAboveTheVendorsLimitCostsSpeedNotTheRun) {
  const int64_t offers = Sized(3000, 20000);
  Pipeline p({"--natural", std::to_string(offers), "--labgrown", "0", "--latency-base-ms", "30", "--rate-limit", "10"});
  ASSERT_TRUE(p.sim);
  UseSturdyClient(p, 10, Millis(10000));
  std::string run = p.ScheduleFull(8, offers / 8);
  ASSERT_FALSE(run.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ASSERT_TRUE(p.sim->ResetCounters().ok());
  std::string logs = ScenarioDir("rate_adapts");
  std::vector<std::string> env = {"NIVODA_RATE_LIMIT=25",         "WORKER_PARTITIONS=4",
                                  "WORKER_REQUESTS_IN_FLIGHT=12", "QUEUE_LEASE_SECONDS=10",
                                  "QUEUE_RETRY_DELAY_SECONDS=1",  "CONSOLIDATION_DELAY_SECONDS=1"};
  const int64_t start = DefaultClock().MonotonicMs();
  bool queued = false;
  {
    WorkerProcess a(p, env, logs + "/w0.log");
    WorkerProcess b(p, env, logs + "/w1.log");
    const int64_t deadline = start + Sized(120000, 900000);
    while (DefaultClock().MonotonicMs() < deadline) {
      if (p.Pending(queue::kConsolidate) > 0) {
        queued = true;
        break;
      }
      if (p.RunStatus(run) == "failed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  const double seconds = (DefaultClock().MonotonicMs() - start) / 1000.0;
  auto counters = p.sim->Counters();
  ASSERT_TRUE(counters.ok());
  ASSERT_TRUE(queued) << "run status " << p.RunStatus(run) << " after " << seconds << " s; "
                      << DescribeFaults(*counters) << "; logs in " << logs;
  EXPECT_EQ(QueryInt(p, "SELECT count(*) FROM partition_runs WHERE run_id = $1 AND status <> 'completed'", {run}), 0)
      << "no partition failed";
  auto raw = p.RawOfRun(run);
  auto truth = p.SimTruth();
  EXPECT_TRUE(raw == truth) << "missing or stale: " << DescribeDifference(truth, raw);
  EXPECT_GT(counters->rate_limited, 0) << "the vendor did refuse the setting";
  // The start costs a few 429s (each lowers the rate x0.8: about 4 rounds from 25 to
  // 10, plus requests already in flight), then the rate stays near the vendor's.
  EXPECT_LT(counters->rate_limited * 10, counters->requests) << "429s stay under 10% of the requests";
  const int64_t decreases = QueryInt(p, "SELECT decreases FROM rate_limit_slots");
  EXPECT_GE(decreases, 1) << "the account's rate was lowered";
  std::cout << "[rate-adapts] setting 25/s, vendor 10/s, 2 processes: " << offers << " offers fetched in " << seconds
            << " s; 429 " << counters->rate_limited << " of " << counters->requests << " requests; " << decreases
            << " decreases of the account's rate; peak 1-s arrivals " << counters->peak_requests_per_second
            << std::endl;
}

}  // namespace
}  // namespace di::testing
