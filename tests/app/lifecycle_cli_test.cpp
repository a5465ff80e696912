// Runs always reach an end, through the real binary (PostgreSQL and nivoda-sim
// processes): `cancel`, `dead-letters list|redrive`, `retry` of unknown and
// cancelled runs, a graceful stop of `work` and of `run` (each item given back
// once, its delivery not counted), `run` resuming its interrupted run, and a
// worker whose Nivoda credentials are refused.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "pipeline_fixture.h"
#include "process.h"

namespace di::testing {
namespace {

class LifecycleCliTest : public ::testing::Test {
 protected:
  // Runs `diamond-ingest ARGS` to its end on P's database and simulator.
  test::ProcessResult Run(Pipeline& p, const std::vector<std::string>& args,
                          const std::vector<std::string>& extra_env = {}) {
    std::vector<std::string> argv = {DiamondIngestBin()};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::RunProcess(argv, ProcessEnv(p.db.url(), p.sim->endpoint(), extra_env), dir_.path());
  }
  static std::string Text(Pipeline& p, const std::string& sql, const std::string& arg = "") {
    auto conn = p.db.Connect();
    auto r = arg.empty() ? conn->Exec(sql) : conn->Exec(sql, {pg::P(arg)});
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() && r->rows() == 1 && !r->IsNull(0, 0) ? r->GetString(0, 0) : "";
  }
  // Waits up to 30 s for SQL (with ARG) to return "t".
  static bool WaitFor(Pipeline& p, const std::string& sql, const std::string& arg) {
    for (int i = 0; i < 300; ++i) {
      if (Text(p, sql, arg) == "t") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  static std::vector<std::string> PlainLines(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(start, end - start);
      if (!line.empty() && line[0] != '{') lines.push_back(line);
      start = end + 1;
    }
    return lines;
  }
  test::TempDir dir_;
};

std::vector<std::string> Sim(int offers, std::vector<std::string> extra = {}) {
  std::vector<std::string> flags = {"--natural", std::to_string(offers), "--labgrown", "0", "--log-level", "warn"};
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

TEST_F(LifecycleCliTest, CancelEndsTheRunNothingConsolidatedAndANewRunStarts) {
  Pipeline p(Sim(3000));
  const std::string run = p.ScheduleFull(3, 500);
  test::ProcessResult cancel = Run(p, {"cancel", "--run-id", run});
  ASSERT_EQ(cancel.exit_code, 0) << cancel.err;
  EXPECT_NE(cancel.out.find("run " + run + " cancelled (3 partitions had not ended)"), std::string::npos) << cancel.out;
  EXPECT_EQ(Text(p, "SELECT status || ' ' || (completed_at IS NOT NULL) FROM run_metadata WHERE run_id = $1", run),
            "cancelled true");
  EXPECT_EQ(Text(p, "SELECT string_agg(DISTINCT status, ',') FROM partition_runs WHERE run_id = $1", run), "cancelled");

  // Its work items are delivered and dropped: no partition is fetched, nothing consolidated.
  test::ProcessResult work = Run(p, {"work", "--exit-when-idle"});
  EXPECT_EQ(work.exit_code, 0) << work.err;
  EXPECT_EQ(p.Pending(queue::kWorkItems), 0);
  EXPECT_EQ(p.Pending(queue::kConsolidate), 0);
  EXPECT_EQ(Text(p, "SELECT sum(attempts) FROM partition_runs WHERE run_id = $1", run), "0");
  EXPECT_EQ(Text(p, "SELECT count(*) FROM raw_diamonds_nivoda"), "0");
  EXPECT_EQ(Text(p, "SELECT count(*) FROM watermarks"), "0");

  test::ProcessResult status = Run(p, {"status", "--run-id", run, "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto shown = nlohmann::json::parse(status.out, nullptr, false);
  ASSERT_FALSE(shown.is_discarded()) << status.out;
  EXPECT_NE(shown.dump().find("\"consolidation\":\"skipped\""), std::string::npos) << status.out;

  test::ProcessResult twice = Run(p, {"cancel", "--run-id", run});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_EQ(twice.err, "diamond-ingest cancel: run " + run + " has already ended (cancelled); nothing to cancel\n");
  test::ProcessResult retry = Run(p, {"retry", "--run-id", run});
  EXPECT_EQ(retry.exit_code, 1);
  EXPECT_NE(retry.err.find("run " + run + " was cancelled"), std::string::npos) << retry.err;
  test::ProcessResult unknown = Run(p, {"retry", "--run-id", "natural-nope"});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.out;
  EXPECT_NE(unknown.err.find("no run natural-nope"), std::string::npos) << unknown.err;
  EXPECT_EQ(PlainLines(unknown.err).size(), 1u) << unknown.err;

  test::ProcessResult next = Run(p, {"schedule"});
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(Text(p, "SELECT count(*) FROM run_metadata WHERE status = 'running'"), "1");
}

TEST_F(LifecycleCliTest, DeadLettersListAppliesAndRedriveResetsThePartition) {
  Pipeline p(Sim(3000));
  const std::string run = p.ScheduleFull(3, 500);
  // Partition 1's item was dead-lettered (as an earlier version did) while its partition was running.
  {
    auto conn = p.db.Connect();
    ASSERT_TRUE(conn->ExecScript("UPDATE partition_runs SET status = 'running', attempts = 10 WHERE partition_id = 1;"
                                 "WITH m AS (DELETE FROM queue_messages WHERE (body::jsonb ->> 'partitionId')::int = 1"
                                 "           RETURNING *)"
                                 " INSERT INTO queue_dead_letters (id, queue, body, dedup_id, enqueued_at,"
                                 "   delivery_count, reason, description)"
                                 " SELECT id, queue, body, dedup_id, enqueued_at, 11, 'MaxDeliveryCountExceeded',"
                                 "        'delivered 10 times without completion (max 10)' FROM m")
                    .ok());
  }
  test::ProcessResult list = Run(p, {"dead-letters", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto json = nlohmann::json::parse(list.out, nullptr, false);
  ASSERT_TRUE(json.is_array() && json.size() == 1) << list.out;
  EXPECT_EQ(json[0]["queue"], "work-items");
  EXPECT_EQ(json[0]["reason"], "MaxDeliveryCountExceeded");
  EXPECT_EQ(json[0]["subject"], run + " / p1");
  EXPECT_EQ(json[0]["applied"], true);
  EXPECT_EQ(
      Text(p, "SELECT status || ': ' || error_message FROM partition_runs WHERE partition_id = 1"),
      "failed: work item dead-lettered: MaxDeliveryCountExceeded (delivered 10 times without completion (max 10))");
  test::ProcessResult table = Run(p, {"dead-letters", "list", "--queue", "work-items"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find(run + " / p1"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("1 dead letter(s)"), std::string::npos) << table.out;

  test::ProcessResult neither = Run(p, {"dead-letters", "redrive"});
  EXPECT_EQ(neither.exit_code, 2) << neither.err;
  test::ProcessResult missing = Run(p, {"dead-letters", "redrive", "--id", "987654"});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  const std::string id = json[0]["id"].dump();
  test::ProcessResult redrive = Run(p, {"dead-letters", "redrive", "--id", id});
  ASSERT_EQ(redrive.exit_code, 0) << redrive.err;
  EXPECT_EQ(redrive.out, "redrove 1 dead letter(s); 1 failed partition(s) reset to pending\n");
  EXPECT_EQ(Text(p, "SELECT status FROM partition_runs WHERE partition_id = 1"), "pending");
  EXPECT_EQ(Text(p, "SELECT status || ' ' || failed_partitions FROM run_metadata WHERE run_id = $1", run), "running 0");
  EXPECT_EQ(Text(p, "SELECT count(*) FROM queue_dead_letters"), "0");
  EXPECT_EQ(Text(p, "SELECT count(*) FROM queue_messages WHERE (body::jsonb ->> 'partitionId')::int = 1"), "1");
}

TEST_F(LifecycleCliTest, WorkerWithRefusedCredentialsExitsOneAndFailsNoPartition) {
  Pipeline p(Sim(3000));
  const std::string run = p.ScheduleFull(3, 500);
  test::ProcessResult work = Run(p, {"work", "--exit-when-idle"}, {"NIVODA_PASSWORD=not-the-password"});
  EXPECT_EQ(work.exit_code, 1) << work.err;
  std::vector<std::string> lines = PlainLines(work.err);
  ASSERT_EQ(lines.size(), 1u) << work.err;
  EXPECT_EQ(lines[0].rfind("diamond-ingest work: Nivoda refused the credentials", 0), 0u) << lines[0];
  EXPECT_EQ(lines[0].find("not-the-password"), std::string::npos);
  EXPECT_EQ(Text(p, "SELECT count(*) FROM partition_runs WHERE run_id = $1 AND status = 'failed'", run), "0");
  EXPECT_EQ(Text(p, "SELECT status FROM run_metadata WHERE run_id = $1", run), "running");
  EXPECT_EQ(Text(p, "SELECT count(*) || ' ' || max(delivery_count) FROM queue_messages WHERE queue = 'work-items'"),
            "3 0")
      << "every item given back, no delivery counted";

  // `run` resumes that run and stops the same way: exit 1, one line naming the credentials, nothing failed.
  test::ProcessResult run_cmd = Run(p, {"run"}, {"NIVODA_PASSWORD=not-the-password"});
  EXPECT_EQ(run_cmd.exit_code, 1) << run_cmd.err;
  EXPECT_NE(run_cmd.err.find("diamond-ingest run: Nivoda refused the credentials"), std::string::npos) << run_cmd.err;
  EXPECT_EQ(run_cmd.err.find("not-the-password"), std::string::npos);
  EXPECT_EQ(Text(p, "SELECT count(*) FROM partition_runs WHERE run_id = $1 AND status = 'failed'", run), "0");
  EXPECT_EQ(Text(p, "SELECT status FROM run_metadata WHERE run_id = $1", run), "running");
}

// `work`, SIGTERM while partitions are being fetched: each item is released
// once, its delivery not counted; nothing is leased again before the exit.
TEST_F(LifecycleCliTest, GracefulStopOfWorkGivesEachItemBackOnceUncounted) {
  Pipeline p(Sim(3000, {"--latency-base-ms", "30"}));
  const std::string run = p.ScheduleFull(3, 500);
  pid_t worker = p.StartWorkerProcess({"WORKER_PARTITIONS=3", "NIVODA_RATE_LIMIT=20"}, false);
  // The worker is stopped whatever happens, so a failure here leaves no process behind.
  const bool fetching =
      WaitFor(p, "SELECT count(*) = 3 FROM partition_runs WHERE run_id = $1 AND status = 'running'", run);
  if (fetching) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(StopProcess(worker, std::chrono::seconds(20)), 0);
  ASSERT_TRUE(fetching) << "the 3 partitions were never running at once";
  EXPECT_EQ(Text(p, "SELECT count(*) FROM partition_runs WHERE run_id = $1 AND status = 'completed'", run), "0")
      << "stopped mid-fetch";
  EXPECT_EQ(Text(p, "SELECT string_agg(DISTINCT attempts::text, ',') FROM partition_runs WHERE run_id = $1", run), "1")
      << "each leased once";
  EXPECT_EQ(Text(p, "SELECT count(*) || ' ' || max(delivery_count) FROM queue_messages WHERE queue = 'work-items'"),
            "3 0");
}

// `run`, SIGINT mid-fetch: the items go back once, uncounted (the in-process
// worker does not lease them again); the next `run` resumes the same run.
TEST_F(LifecycleCliTest, InterruptedRunIsResumedByTheNextRun) {
  Pipeline p(Sim(3000, {"--latency-base-ms", "30"}));
  const std::string log = dir_.path() + "/run.log";
  const std::vector<std::string> env = {"NIVODA_RATE_LIMIT=20", "WORKER_PARTITIONS=3", "MIN_RECORDS_PER_PARTITION=1000",
                                        "CONSOLIDATION_DELAY_SECONDS=1", "QUEUE_RETRY_DELAY_SECONDS=1"};
  pid_t first = SpawnProcess({DiamondIngestBin(), "run"}, ProcessEnv(p.db.url(), p.sim->endpoint(), env), log);
  const bool fetching =
      WaitFor(p, "SELECT count(*) >= 1 FROM partition_progress WHERE pages_fetched > 0 AND run_id LIKE $1", "%");
  kill(first, SIGINT);  // whatever happens, so a failure here leaves no process behind
  int status = 0;
  waitpid(first, &status, 0);
  ASSERT_TRUE(fetching) << "no page was fetched before the interrupt";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string run = Text(p, "SELECT run_id FROM run_metadata");
  EXPECT_NE(ReadFile(log).find("diamond-ingest run: run " + run + " was interrupted (run again to resume it)"),
            std::string::npos)
      << ReadFile(log);
  EXPECT_EQ(Text(p, "SELECT max(attempts) <= 1 FROM partition_runs WHERE run_id = $1", run), "t")
      << "no item leased again after the stop";
  EXPECT_EQ(Text(p, "SELECT coalesce(max(delivery_count), 0) FROM queue_messages WHERE queue = 'work-items'"), "0");

  test::ProcessResult second = Run(p, {"run"}, env);
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("diamond-ingest run: resuming run " + run + " of feed natural"), std::string::npos)
      << second.err;
  EXPECT_EQ(Text(p, "SELECT count(*) || ' ' || min(status) FROM run_metadata"), "1 completed");
  EXPECT_EQ(Text(p, "SELECT count(*) FROM diamonds WHERE status = 'active'"), "3000");
}

}  // namespace
}  // namespace di::testing
