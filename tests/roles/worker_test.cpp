// The worker against real servers: nivoda-sim (ties, short pages, churn) and
// PostgreSQL. The raw table is compared with the simulator's ground truth.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <set>
#include <thread>

#include "pipeline_fixture.h"
#include "queue/messages.h"
#include "roles/retry.h"

namespace di::testing {
namespace {

std::vector<std::string> SimFlags(int offers, std::vector<std::string> extra = {}) {
  std::vector<std::string> flags = {"--natural",
                                    std::to_string(offers),
                                    "--labgrown",
                                    "0",
                                    "--whole-dollar-fraction",
                                    "0.6",  // many offers share a price: ties
                                    "--short-page-fraction",
                                    "0.05"};
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

int64_t Scalar(Pipeline& p, const std::string& sql, const std::string& arg) {
  auto conn = p.db.Connect();
  auto r = conn->Exec(sql, {pg::P(arg)});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() && r->rows() == 1 && !r->IsNull(0, 0) ? r->GetInt64(0, 0) : -1;
}

TEST(WorkerTest, FullRunUnderChurnThatNeverStopsThenAnIncrementalRunIsExact) {
  // Churn (re-pricing across partitions, payload edits, additions, removals)
  // runs through the whole full run. When it ends: every stone unchanged since
  // the run's start is stored with its exact payload; no stone still offered is
  // deleted. Churn paused, the next incremental run makes everything exact.
  Pipeline p(
      SimFlags(20000, {"--latency-base-ms", "5", "--churn-reprice-per-min", "3000", "--churn-payload-per-min", "3000",
                       "--churn-add-per-min", "1200", "--churn-remove-per-min", "600", "--churn-tick-ms", "50"}));
  std::string run = p.ScheduleFull();
  ASSERT_FALSE(run.empty());
  ASSERT_TRUE(p.WorkUntilConsolidation(run, Millis(180000), p.FastWorkerOptions()))
      << "run status " << p.RunStatus(run);
  ASSERT_EQ(p.Consolidate(run, Millis(60000)), "completed");
  auto end = p.sim->Dump("natural");
  ASSERT_TRUE(end.ok());
  std::string t0;
  {
    auto conn = p.db.Connect();
    auto r = conn->Exec(
        "SELECT to_char(updated_to AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM run_metadata WHERE "
        "run_id = $1",
        {pg::P(run)});
    ASSERT_TRUE(r.ok() && r->rows() == 1);
    t0 = r->GetString(0, 0);
  }
  WallTime snapshot;
  ASSERT_TRUE(ParseIso8601(t0, &snapshot)) << t0;
  auto raw = p.RawOfRun(run);
  int unchanged = 0, changed = 0;
  for (const auto& row : *end) {
    WallTime updated;
    ASSERT_TRUE(ParseIso8601(row.updated_at, &updated)) << row.updated_at;
    if (updated > snapshot) {
      ++changed;
      continue;
    }
    ++unchanged;
    auto it = raw.find(row.stone_id);
    EXPECT_TRUE(it != raw.end() && it->second == row.payload_sha256) << "unchanged stone " << row.stone_id;
  }
  EXPECT_GT(changed, 100) << "churn went on through the run";
  EXPECT_GT(unchanged, 15000);
  {
    auto conn = p.db.Connect();
    std::set<std::string> offered;
    for (const auto& row : *end) offered.insert(row.stone_id);
    auto deleted = conn->Exec("SELECT supplier_stone_id FROM diamonds WHERE status = 'deleted'");
    ASSERT_TRUE(deleted.ok());
    for (int i = 0; i < deleted->rows(); ++i) {
      EXPECT_EQ(offered.count(deleted->GetString(i, 0)), 0u) << "a stone still offered was deleted";
    }
  }

  ASSERT_TRUE(p.sim->PauseChurn().ok());
  std::string inc = p.ScheduleIncremental();
  ASSERT_FALSE(inc.empty());
  ASSERT_TRUE(p.WorkUntilConsolidation(inc, Millis(120000), p.FastWorkerOptions()));
  ASSERT_EQ(p.Consolidate(inc, Millis(60000)), "completed");
  auto truth = p.SimTruth();
  std::map<std::string, std::string> stored;
  {
    auto conn = p.db.Connect();
    auto r = conn->Exec(
        "SELECT supplier_stone_id, payload_hash FROM raw_diamonds_nivoda"
        " WHERE supplier_stone_id IN (SELECT supplier_stone_id FROM diamonds WHERE status = 'active')");
    ASSERT_TRUE(r.ok());
    for (int i = 0; i < r->rows(); ++i) stored[r->GetString(i, 0)] = r->GetString(i, 1);
  }
  int stale = 0;
  for (const auto& [id, hash] : truth) stale += stored.count(id) == 0 || stored[id] != hash;
  EXPECT_EQ(stale, 0) << "after the incremental run, every live stone is stored at its latest version: "
                      << DescribeDifference(truth, stored);

  // A later full run, churn still paused: raw, `diamonds` and the soft deletes
  // are exact (the stones removed during the first run are deleted now).
  std::string again = p.ScheduleFull();
  ASSERT_FALSE(again.empty());
  ASSERT_TRUE(p.WorkUntilConsolidation(again, Millis(120000), p.FastWorkerOptions()));
  ASSERT_EQ(p.Consolidate(again, Millis(60000)), "completed");
  EXPECT_TRUE(p.RawOfRun(again) == truth) << DescribeDifference(truth, p.RawOfRun(again));
  {
    auto conn = p.db.Connect();
    std::set<std::string> active, deleted;
    auto r = conn->Exec("SELECT supplier_stone_id, status FROM diamonds");
    ASSERT_TRUE(r.ok());
    for (int i = 0; i < r->rows(); ++i) (r->GetString(i, 1) == "active" ? active : deleted).insert(r->GetString(i, 0));
    std::set<std::string> live;
    for (const auto& [id, hash] : truth) live.insert(id);
    // Every row is active or deleted: active = the simulator's stones means
    // every stored stone the simulator no longer offers is soft-deleted.
    EXPECT_EQ(active, live) << "active = the simulator's stones";
    for (const auto& id : deleted) EXPECT_EQ(live.count(id), 0u) << "deleted but offered: " << id;
    EXPECT_GT(deleted.size(), 0u) << "the churn removed stored stones";
  }
  EXPECT_EQ(Scalar(p, "SELECT completed_partitions - expected_partitions FROM run_metadata WHERE run_id = $1", run), 0);
}

// Every vendor ordering and 10% short pages: exact, and the requests stay within
// the bound of src/ingest/README.md: the pages (offsets 49 apart), one fill per
// short page, two probe reads per order tried, and the catch-up's page.
TEST(WorkerTest, ShortPagesAndEveryInsertOrderAreExactWithinTheRequestBound) {
  for (const char* insert : {"unique", "ties", "rejected"}) {
    SCOPED_TRACE(insert);
    Pipeline p({"--natural", "8000", "--labgrown", "0", "--whole-dollar-fraction", "0.6", "--latency-base-ms", "2",
                "--short-page-fraction", "0.10", "--insert-order", insert});
    std::string run = p.ScheduleFull();
    ASSERT_FALSE(run.empty());
    ASSERT_TRUE(p.sim->ResetCounters().ok());
    ASSERT_TRUE(p.WorkUntilConsolidation(run, Millis(120000), p.FastWorkerOptions()));
    auto raw = p.RawOfRun(run);
    auto truth = p.SimTruth();
    EXPECT_TRUE(raw == truth) << "missing or stale: " << DescribeDifference(truth, raw)
                              << "; extra: " << DescribeDifference(raw, truth);
    auto counters = p.sim->Counters();
    ASSERT_TRUE(counters.ok());
    const int64_t partitions = Scalar(p, "SELECT expected_partitions FROM run_metadata WHERE run_id = $1", run);
    const int64_t pages = 8000 / 49 + partitions;
    const int64_t bound = pages + pages * 15 / 100 + 4 * 3 + 2;
    const int64_t requests = counters->requests_by_operation["diamonds_by_query"];
    EXPECT_LE(requests, bound) << "pages " << pages << ", partitions " << partitions;
    std::cout << "[worker] insert " << insert << ": " << requests << " page requests for " << pages << " pages ("
              << static_cast<double>(requests) / pages << "x)" << std::endl;
  }
}

TEST(WorkerTest, DuplicateDeliveriesCountEachPartitionOnce) {
  Pipeline p(SimFlags(6000, {"--latency-base-ms", "10"}));
  std::string run = p.ScheduleFull();
  ASSERT_FALSE(run.empty());
  // Every work item is sent a second time (no dedup id): two deliveries each,
  // handled concurrently by two workers.
  {
    auto conn = p.db.Connect();
    auto items = conn->Exec("SELECT work_item_payload::text FROM partition_runs WHERE run_id = $1", {pg::P(run)});
    ASSERT_TRUE(items.ok());
    for (int i = 0; i < items->rows(); ++i) {
      ASSERT_TRUE(
          p.components.queue->Send({queue::kWorkItems, items->GetString(i, 0), std::nullopt, std::nullopt}).ok());
    }
  }
  std::atomic<bool> stop{false};
  WorkerOptions a = p.FastWorkerOptions(), b = p.FastWorkerOptions();
  a.worker_id = "worker-a";
  b.worker_id = "worker-b";
  Worker wa(p.components, a), wb(p.components, b);
  std::thread ta([&] { wa.Run(stop); }), tb([&] { wb.Run(stop); });
  for (int i = 0; i < 600 && p.Pending(queue::kConsolidate) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Let the duplicates drain, then deliver one item again after the end (sequential duplicate).
  for (int i = 0; i < 100 && p.Pending(queue::kWorkItems) > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto conn = p.db.Connect();
  auto one = conn->Exec("SELECT work_item_payload::text FROM partition_runs WHERE run_id = $1 LIMIT 1", {pg::P(run)});
  ASSERT_TRUE(p.components.queue->Send({queue::kWorkItems, one->GetString(0, 0), std::nullopt, std::nullopt}).ok());
  for (int i = 0; i < 100 && p.Pending(queue::kWorkItems) > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  ta.join();
  tb.join();
  EXPECT_EQ(p.Pending(queue::kConsolidate), 1) << "one consolidation";
  EXPECT_EQ(Scalar(p, "SELECT completed_partitions FROM run_metadata WHERE run_id = $1", run),
            Scalar(p, "SELECT expected_partitions FROM run_metadata WHERE run_id = $1", run));
  EXPECT_GE(wa.counters().duplicates + wb.counters().duplicates, 1);
  EXPECT_TRUE(p.RawOfRun(run) == p.SimTruth());
}

// Makes the raw writes of the given partitions fail (a trigger), so they fail
// after their deliveries run out.
void BreakPartitions(Pipeline& p, const std::string& run, const std::vector<int>& partitions) {
  auto conn = p.db.Connect();
  std::string ranges;
  for (int id : partitions) {
    auto r = conn->Exec("SELECT price_min, price_max FROM partition_progress WHERE run_id = $1 AND partition_id = $2",
                        {pg::P(run), pg::P(id)});
    ASSERT_EQ(r->rows(), 1);
    ASSERT_FALSE(r->IsNull(0, 1)) << "pick bounded partitions";
    // The interior only: the boundary dollars belong to the neighbours too.
    ranges += (ranges.empty() ? "" : " OR ") + std::string("(NEW.price_cents > ") +
              std::to_string(r->GetInt64(0, 0) * 100 + 100) + " AND NEW.price_cents < " +
              std::to_string(r->GetInt64(0, 1) * 100 - 100) + ")";
  }
  ASSERT_TRUE(conn->ExecScript("CREATE FUNCTION break_writes() RETURNS trigger AS $$ BEGIN IF " + ranges +
                               " THEN RAISE EXCEPTION 'injected write failure'; END IF; RETURN NEW; END $$"
                               " LANGUAGE plpgsql;"
                               " CREATE TRIGGER break_writes BEFORE INSERT OR UPDATE ON raw_diamonds_nivoda"
                               " FOR EACH ROW EXECUTE FUNCTION break_writes();")
                  .ok());
}

void RepairPartitions(Pipeline& p) {
  auto conn = p.db.Connect();
  ASSERT_TRUE(conn->ExecScript("DROP TRIGGER break_writes ON raw_diamonds_nivoda; DROP FUNCTION break_writes();").ok());
}

WorkerOptions FailFast(Pipeline& p) {
  WorkerOptions o = p.FastWorkerOptions();
  o.max_deliveries = 2;
  return o;
}

TEST(WorkerTest, TwoOfTenFailedPartitionsScheduleAForcedConsolidation) {
  Pipeline p(SimFlags(20000));
  std::string run = p.ScheduleFull(10);
  ASSERT_EQ(Scalar(p, "SELECT expected_partitions FROM run_metadata WHERE run_id = $1", run), 10);
  BreakPartitions(p, run, {3, 6});
  ASSERT_TRUE(p.WorkUntilConsolidation(run, Millis(120000), FailFast(p)));
  EXPECT_EQ(Scalar(p, "SELECT failed_partitions FROM run_metadata WHERE run_id = $1", run), 2);
  EXPECT_TRUE(p.alerts->Has("consolidation_forced"));
  auto conn = p.db.Connect();
  auto msg = conn->Exec("SELECT body, visible_at > now() FROM queue_messages WHERE queue = 'consolidate'");
  ASSERT_EQ(msg->rows(), 1);
  auto request = queue::DecodeConsolidate(msg->GetString(0, 0));
  ASSERT_TRUE(request.ok());
  EXPECT_TRUE(request->force);
  EXPECT_TRUE(msg->GetBool(0, 1)) << "delayed";
  EXPECT_EQ(Scalar(p,
                   "SELECT count(*) FROM partition_runs WHERE run_id = $1 AND status = 'failed'"
                   " AND error_message LIKE '%injected write failure%'",
                   run),
            2);
}

TEST(WorkerTest, FourOfTenFailedPartitionsFailTheRunAndRetryCompletesIt) {
  Pipeline p(SimFlags(20000));
  std::string run = p.ScheduleFull(10);
  ASSERT_EQ(Scalar(p, "SELECT expected_partitions FROM run_metadata WHERE run_id = $1", run), 10);
  BreakPartitions(p, run, {1, 3, 5, 7});
  EXPECT_FALSE(p.WorkUntilConsolidation(run, Millis(120000), FailFast(p)));
  EXPECT_EQ(p.RunStatus(run), "failed");
  EXPECT_TRUE(p.alerts->Has("run_failed"));
  EXPECT_EQ(p.Pending(queue::kConsolidate), 0) << "no consolidation";
  EXPECT_EQ(Scalar(p, "SELECT failed_partitions FROM run_metadata WHERE run_id = $1", run), 4);

  RepairPartitions(p);
  auto retried = RetryFailedPartitions(*p.components.pool, *p.components.queue, queue::kWorkItems, run, std::nullopt);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->size(), 4u);
  EXPECT_EQ(p.RunStatus(run), "running");
  ASSERT_TRUE(p.WorkUntilConsolidation(run, Millis(120000), p.FastWorkerOptions()));
  EXPECT_EQ(Scalar(p, "SELECT failed_partitions FROM run_metadata WHERE run_id = $1", run), 0);
  EXPECT_EQ(Scalar(p, "SELECT completed_partitions FROM run_metadata WHERE run_id = $1", run), 10);
  EXPECT_TRUE(p.RawOfRun(run) == p.SimTruth());
}

// The real `diamond-ingest work` process, killed with SIGKILL mid-partition.
pid_t StartWorkerProcess(Pipeline& p, bool exit_when_idle) {
  return p.StartWorkerProcess({"QUEUE_LEASE_SECONDS=3", "QUEUE_RETRY_DELAY_SECONDS=1", "RETRY_BASE_MS=50",
                               "WORKER_PARTITIONS=3", "WORKER_REQUESTS_IN_FLIGHT=12"},
                              exit_when_idle);
}

TEST(WorkerTest, KillNineMidPartitionLosesAndDuplicatesNothing) {
  Pipeline p(SimFlags(12000, {"--latency-base-ms", "20"}));
  std::string run = p.ScheduleFull();
  pid_t first = StartWorkerProcess(p, false);
  // Wait until partitions are part-way (checkpoints moved), then SIGKILL.
  for (int i = 0; i < 300; ++i) {
    if (Scalar(p, "SELECT count(*) FROM partition_progress WHERE run_id = $1 AND next_offset > 0 AND phase = 'suffix'",
               run) > 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Its sessions carry its name (PGAPPNAME): operators can tell who holds what.
  EXPECT_GT(Scalar(p, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                   "diamond-ingest work " + std::to_string(first)),
            0);
  ASSERT_EQ(kill(first, SIGKILL), 0);
  int status = 0;
  waitpid(first, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(Scalar(p, "SELECT count(*) FROM partition_runs WHERE run_id = $1 AND status = 'completed'", run) <
                Scalar(p, "SELECT expected_partitions FROM run_metadata WHERE run_id = $1", run),
            true)
      << "killed before the end";

  pid_t second = StartWorkerProcess(p, true);
  for (int i = 0; i < 1200 && p.Pending(queue::kConsolidate) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(second, SIGTERM);
  waitpid(second, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "graceful exit on SIGTERM";
  ASSERT_EQ(p.Pending(queue::kConsolidate), 1);
  EXPECT_TRUE(p.RawOfRun(run) == p.SimTruth()) << DescribeDifference(p.SimTruth(), p.RawOfRun(run));
  EXPECT_EQ(Scalar(p, "SELECT completed_partitions FROM run_metadata WHERE run_id = $1", run),
            Scalar(p, "SELECT expected_partitions FROM run_metadata WHERE run_id = $1", run));
  EXPECT_EQ(Scalar(p, "SELECT count(*) FROM partition_runs WHERE run_id = $1 AND attempts > 1", run) > 0, true)
      << "the killed partitions were resumed";
}

}  // namespace
}  // namespace di::testing
