// Reliability scenario 2 (issue 8): vendor faults.
// 1. A full run by real `diamond-ingest work` processes against a simulator
//    answering 10% 5xx, 2% hangs past the client's 2 s timeout, 1% malformed
//    JSON, 2% GraphQL errors with HTTP 200, 429 bursts (a noisy neighbour
//    drains the account's bucket for a second every few seconds) and tokens
//    revoked mid-run: the run completes, raw == the simulator, `diamonds` is
//    complete after the real Consolidator.
// 2. A permanent error (a work item whose price bound the API rejects as a
//    validation error) fails its partition at once with a clear message; the
//    other partitions complete.
// Short: 5,000 offers; DI_SOAK=1: 50,000.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "churn_support.h"
#include "queue/messages.h"

namespace di::testing {
namespace {

std::vector<std::string> FaultFlags(int64_t offers) {
  return {"--natural",
          std::to_string(offers),
          "--labgrown",
          "0",
          "--whole-dollar-fraction",
          "0.6",
          "--latency-base-ms",
          "5",
          "--fault-500",
          "0.04",
          "--fault-502",
          "0.03",
          "--fault-503",
          "0.03",
          "--fault-hang",
          "0.02",
          "--fault-hang-ms",
          "5000",
          "--fault-malformed",
          "0.01",
          "--fault-graphql-error",
          "0.02",
          "--fault-seed",
          "8",
          "--rate-limit",
          "120",
          "--rate-burst",
          "20"};
}

std::vector<std::string> WorkerEnv() {
  return {"NIVODA_TIMEOUT_SECONDS=2",
          "NIVODA_RATE_LIMIT=100",
          "RETRY_ATTEMPTS=5",
          "RETRY_BASE_MS=100",
          "RETRY_CAP_MS=1000",
          "WORKER_PARTITIONS=4",
          "WORKER_REQUESTS_IN_FLIGHT=16",
          "QUEUE_LEASE_SECONDS=5",
          "QUEUE_RETRY_DELAY_SECONDS=1",
          "CONSOLIDATION_DELAY_SECONDS=2"};
}

TEST(VendorFaultsTest, FullRunUnderVendorFaultsMissesNothing) {
  const int64_t offers = Sized(5000, 50000);
  Pipeline p(FaultFlags(offers));
  ASSERT_TRUE(p.sim);
  UseSturdyClient(p, 10, Millis(2000));  // the scheduler's client, in this process
  std::string run = p.ScheduleFull(30, Sized(200, 1000));
  ASSERT_FALSE(run.empty());
  ASSERT_TRUE(p.sim->ResetCounters().ok());  // count the workers' requests only (and the neighbour's)
  std::string logs = ScenarioDir("vendor_faults");

  std::atomic<bool> stop{false};
  std::atomic<int64_t> revocations{0}, bursts{0}, burst_requests{0};
  int64_t start = DefaultClock().MonotonicMs();
  bool queued = false;
  {
    WorkerProcess a(p, WorkerEnv(), logs + "/a.log"), b(p, WorkerEnv(), logs + "/b.log");
    // Tokens revoked every 2.5 s (at most 3 times in the short version).
    std::thread revoker([&] {
      const int64_t most = Sized(3, 1000);
      for (int i = 0; i < 25 * most && !stop && revocations < most; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (i % 25 == 24 && p.sim->RevokeTokens().ok()) ++revocations;
      }
    });
    // A noisy neighbour on the same account: every 1.5 s, a second of requests
    // from 4 threads that empties the bucket, so the workers meet a burst of 429s.
    std::thread neighbour([&] {
      while (!stop) {
        for (int i = 0; i < 5 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        int64_t until = DefaultClock().MonotonicMs() + 1000;
        ++bursts;
        std::vector<std::thread> senders;
        for (int t = 0; t < 4; ++t) {
          senders.emplace_back([&] {
            while (!stop && DefaultClock().MonotonicMs() < until) {
              // Not held by an injected hang (5 s): the bursts keep their rhythm.
              (void)p.sim->Graphql("{ __typename }", "{}", Millis(200));
              ++burst_requests;
            }
          });
        }
        for (auto& t : senders) t.join();
      }
    });
    queued = WaitForConsolidationMessage(p, run, Millis(Sized(240000, 3000000)));
    stop = true;
    revoker.join();
    neighbour.join();
  }
  double seconds = (DefaultClock().MonotonicMs() - start) / 1000.0;
  auto counters = p.sim->Counters();
  ASSERT_TRUE(counters.ok());
  FetchRounds rounds = ReadFetchRounds({logs + "/a.log", logs + "/b.log"}, run);
  std::map<std::string, int64_t> retries = RetriesByCode({logs + "/a.log", logs + "/b.log"});
  ASSERT_TRUE(queued) << "run status " << p.RunStatus(run) << "; " << DescribeFaults(*counters) << "; logs in " << logs;
  EXPECT_EQ(p.Consolidate(run, Millis(120000)), "completed");

  auto raw = p.RawOfRun(run);
  auto truth = p.SimTruth();
  EXPECT_EQ(raw.size(), truth.size());
  EXPECT_TRUE(raw == truth) << "missing or stale: " << DescribeDifference(truth, raw)
                            << "; extra: " << DescribeDifference(raw, truth);
  std::set<std::string> truth_ids;
  for (const auto& [id, hash] : truth) truth_ids.insert(id);
  EXPECT_EQ(QuerySet(p, "SELECT supplier_stone_id FROM diamonds WHERE feed = 'natural' AND status = 'active'"),
            truth_ids);
  EXPECT_EQ(QueryInt(p, "SELECT count(*) FROM partition_runs WHERE run_id = $1 AND status <> 'completed'", {run}), 0);
  int64_t redeliveries =
      QueryInt(p, "SELECT coalesce(sum(attempts - 1), 0) FROM partition_runs WHERE run_id = $1", {run});

  // Every kind of fault happened.
  for (const char* kind : {"http_500", "http_502", "http_503", "hang", "malformed_json", "graphql_error"}) {
    EXPECT_GT(counters->errors_injected_by_kind[kind], 0) << kind << "; " << DescribeFaults(*counters);
  }
  EXPECT_GT(counters->rate_limited, 0);
  EXPECT_GE(retries["rate_limited"], 3) << "the workers met 429 bursts: " << Describe(retries);
  EXPECT_GT(retries["corrupt"], 0) << "malformed bodies retried: " << Describe(retries);
  EXPECT_GE(revocations.load(), 1);
  EXPECT_GT(counters->requests_by_operation["unauthenticated"], 0) << "a revoked token was used";

  std::cout << "[vendor-faults] offers " << offers << (SoakMode() ? " (soak)" : " (short)") << ": expected "
            << truth.size() << ", raw " << raw.size() << ", equal " << (raw == truth) << "; run fetched in " << seconds
            << " s; partition redeliveries " << redeliveries << "\n[vendor-faults] " << DescribeFaults(*counters)
            << "; unauthenticated answers " << counters->requests_by_operation["unauthenticated"]
            << "; token revocations " << revocations << "; workers' retries by code " << Describe(retries)
            << "; 429 bursts " << bursts << " (" << burst_requests << " neighbour requests)\n[vendor-faults] "
            << Describe(rounds) << "\n[vendor-faults] logs in " << logs << std::endl;
}

TEST(VendorFaultsTest, ValidationErrorFailsItsPartitionAtOnceWithAClearMessage) {
  Pipeline p({"--natural", "4000", "--labgrown", "0", "--latency-base-ms", "5"});
  ASSERT_TRUE(p.sim);
  std::string run = p.ScheduleFull(4, 500);
  ASSERT_FALSE(run.empty());
  ASSERT_EQ(QueryInt(p, "SELECT expected_partitions FROM run_metadata WHERE run_id = $1", {run}), 4);
  // Partition 1's work item asks for prices of $3,000,000,000-100: not a 32-bit
  // GraphQL Int, so the API rejects every query of it (BAD_USER_INPUT).
  {
    auto conn = p.db.Connect();
    auto r = conn->Exec(
        "UPDATE queue_messages SET body = jsonb_set(jsonb_set(body::jsonb, '{priceMin}', '3000000000'),"
        " '{priceMax}', '3000000100')::text"
        " WHERE queue = $1 AND (body::jsonb ->> 'partitionId') = '1'",
        {pg::P(queue::kWorkItems)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->Affected(), 1);
  }
  ASSERT_TRUE(p.sim->ResetCounters().ok());  // count the worker's requests only
  int64_t start = DefaultClock().MonotonicMs();
  std::string logs = ScenarioDir("vendor_faults_permanent");
  const char* kEnded = "SELECT count(*) FROM partition_runs WHERE run_id = $1 AND status IN ('completed', 'failed')";
  int64_t ended = 0;
  {
    WorkerProcess w(p,
                    {"NIVODA_RATE_LIMIT=1000", "WORKER_PARTITIONS=4", "QUEUE_RETRY_DELAY_SECONDS=1", "RETRY_BASE_MS=50",
                     "CONSOLIDATION_DELAY_SECONDS=2"},
                    logs + "/w.log");
    // The bound is generous (it takes about a second): the test is for
    // "at once", which the request count below shows.
    const int64_t deadline = start + 60000;
    while ((ended = QueryInt(p, kEnded, {run})) < 4 && DefaultClock().MonotonicMs() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  double seconds = (DefaultClock().MonotonicMs() - start) / 1000.0;
  ASSERT_EQ(ended, 4) << "every partition ended within 60 s; logs in " << logs;
  auto conn = p.db.Connect();
  auto r = conn->Exec(
      "SELECT status, attempts, coalesce(error_message, '') FROM partition_runs"
      " WHERE run_id = $1 AND partition_id = 1",
      {pg::P(run)});
  ASSERT_TRUE(r.ok() && r->rows() == 1);
  std::string status = r->GetString(0, 0), message = r->GetString(0, 2);
  int64_t attempts = r->GetInt64(0, 1);
  EXPECT_EQ(status, "failed");
  EXPECT_EQ(attempts, 1) << "a permanent error is not retried";
  EXPECT_NE(message.find("Int cannot represent"), std::string::npos) << message;
  // At once: the API rejected partition 1's pages (the first few, asked
  // together), the client retried none of them (it logs every retry with its
  // code) and the item was not redelivered (attempts above).
  auto counters = p.sim->Counters();
  ASSERT_TRUE(counters.ok());
  EXPECT_GE(counters->requests_by_operation["invalid"], 1) << DescribeFaults(*counters);
  std::map<std::string, int64_t> retries = RetriesByCode({logs + "/w.log"});
  EXPECT_EQ(retries.count("permanent"), 0u) << "a permanent error is not retried: " << Describe(retries);
  EXPECT_EQ(QueryInt(p, "SELECT count(*) FROM partition_runs WHERE run_id = $1 AND status = 'completed'", {run}), 3);
  EXPECT_EQ(QueryInt(p, "SELECT failed_partitions FROM run_metadata WHERE run_id = $1", {run}), 1);
  std::cout << "[vendor-faults] permanent error: partition 1 " << status << " after " << attempts
            << " attempt(s), all partitions ended in " << seconds << " s; invalid requests "
            << counters->requests_by_operation["invalid"] << "; error_message: " << message << std::endl;
}

}  // namespace
}  // namespace di::testing
