// `diamond-ingest schedule` as a process: exit codes, the one stderr line,
// dry run output, zero offers, and two schedulers started together.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "schedule_support.h"
#include "sim_process.h"
#include "test_database.h"

namespace di::testing {
namespace {

class ScheduleCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(TestDatabase::Create());
    conn_ = db_->Connect();
  }
  std::unique_ptr<SimProcess> StartSim(std::vector<std::string> flags) {
    flags.insert(flags.end(), {"--log-level", "warn"});
    auto sim = SimProcess::Start(flags);
    EXPECT_TRUE(sim.ok()) << sim.status().ToString();
    return sim.ok() ? std::move(*sim) : nullptr;
  }
  std::map<std::string, std::string> Env(const std::string& endpoint) {
    return ScheduleEnvironment(db_->url(), endpoint);
  }
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<pg::Connection> conn_;
};

TEST_F(ScheduleCliTest, SchedulesARunAndPrintsOneLine) {
  auto sim = StartSim({"--natural", "5000", "--labgrown", "0"});
  ASSERT_NE(sim, nullptr);
  IngestProcess p = IngestProcess::Start({"schedule"}, Env(sim->endpoint()));
  ASSERT_EQ(p.Wait(), 0) << p.err();
  EXPECT_TRUE(PlainLines(p.err()).empty()) << p.err();
  const int64_t items = CountRows(*conn_, "partition_runs");
  EXPECT_GE(items, 1);
  EXPECT_LE(items, 5);  // floor(5,000 / 1,000)
  EXPECT_NE(p.out().find(" work items, 5000 expected offers, "), std::string::npos) << p.out();
  EXPECT_NE(p.out().find("(full): " + std::to_string(items) + " work items"), std::string::npos) << p.out();
  EXPECT_NE(p.out().find("; full because no watermark yet"), std::string::npos) << p.out();
  EXPECT_EQ(CountRows(*conn_, "run_metadata"), 1);
  EXPECT_EQ(CountRows(*conn_, "queue_messages"), items);
}

TEST_F(ScheduleCliTest, TwoSchedulersStartedTogetherMakeExactlyOneRun) {
  // 100 ms per request keeps the first scheduler planning while the second starts.
  auto sim = StartSim({"--natural", "5000", "--labgrown", "0", "--latency-base-ms", "100"});
  ASSERT_NE(sim, nullptr);
  IngestProcess a = IngestProcess::Start({"schedule"}, Env(sim->endpoint()));
  IngestProcess b = IngestProcess::Start({"schedule"}, Env(sim->endpoint()));
  const int ca = a.Wait(), cb = b.Wait();
  ASSERT_EQ((ca == 0) + (cb == 0), 1) << "a: " << ca << " " << a.err() << "\nb: " << cb << " " << b.err();
  IngestProcess& loser = ca == 0 ? b : a;
  EXPECT_EQ(ca == 0 ? cb : ca, 1);
  std::vector<std::string> lines = PlainLines(loser.err());
  ASSERT_EQ(lines.size(), 1u) << loser.err();
  EXPECT_EQ(lines[0], "diamond-ingest: schedule: another scheduler is running (conflict)");
  EXPECT_EQ(CountRows(*conn_, "run_metadata"), 1);
  EXPECT_EQ(CountRows(*conn_, "queue_messages"), CountRows(*conn_, "partition_runs"));
  EXPECT_GE(CountRows(*conn_, "queue_messages"), 1);
}

TEST_F(ScheduleCliTest, RefusesWhileARunIsInFlight) {
  auto sim = StartSim({"--natural", "3000", "--labgrown", "0"});
  ASSERT_NE(sim, nullptr);
  IngestProcess first = IngestProcess::Start({"schedule"}, Env(sim->endpoint()));
  ASSERT_EQ(first.Wait(), 0) << first.err();
  IngestProcess second = IngestProcess::Start({"schedule"}, Env(sim->endpoint()));
  EXPECT_EQ(second.Wait(), 1);
  std::vector<std::string> lines = PlainLines(second.err());
  ASSERT_EQ(lines.size(), 1u) << second.err();
  EXPECT_NE(lines[0].find("is still in flight (use --force"), std::string::npos) << lines[0];
  IngestProcess forced = IngestProcess::Start({"schedule", "--force"}, Env(sim->endpoint()));
  EXPECT_EQ(forced.Wait(), 0) << forced.err();
  EXPECT_EQ(CountRows(*conn_, "run_metadata"), 2);
}

// Deletions happen on a schedule: plain `schedule` starts a full run (the only
// kind that soft-deletes) once the feed's last complete full run is
// FULL_RUN_INTERVAL old, and an incremental run otherwise.
TEST_F(ScheduleCliTest, FullRunWhenTheLastCompleteFullRunIsOlderThanTheInterval) {
  auto sim = StartSim({"--natural", "3000", "--labgrown", "0"});
  ASSERT_NE(sim, nullptr);
  // A complete full run 25 h ago and the watermark it left (plus a newer incremental run).
  ASSERT_TRUE(
      conn_
          ->ExecScript(
              "INSERT INTO run_metadata (run_id, feed, run_type, status, expected_partitions, updated_to)"
              " VALUES ('natural-old-full', 'natural', 'full', 'completed', 0, now() - interval '25 hours'),"
              "        ('natural-old-inc', 'natural', 'incremental', 'completed', 0, now() - interval '1 hour');"
              "INSERT INTO watermarks (feed, last_updated_at, last_run_id, last_run_completed_at)"
              " VALUES ('natural', now() - interval '1 hour', 'natural-old-inc', now());")
          .ok());
  IngestProcess full = IngestProcess::Start({"schedule"}, Env(sim->endpoint()));
  ASSERT_EQ(full.Wait(), 0) << full.err();
  EXPECT_NE(full.out().find("(full): "), std::string::npos) << full.out();
  EXPECT_NE(full.out().find("; full because the last complete full run is 25 h old (FULL_RUN_INTERVAL 24 h)"),
            std::string::npos)
      << full.out();
  // That run completes (as if consolidated): the next one is incremental.
  ASSERT_TRUE(
      conn_->ExecScript("UPDATE run_metadata SET status = 'completed' WHERE run_type = 'full' AND status = 'running'")
          .ok());
  IngestProcess incremental = IngestProcess::Start({"schedule"}, Env(sim->endpoint()));
  ASSERT_EQ(incremental.Wait(), 0) << incremental.err();
  EXPECT_NE(incremental.out().find("(incremental): "), std::string::npos) << incremental.out();
  EXPECT_NE(incremental.out().find("; incremental because the last complete full run is "), std::string::npos)
      << incremental.out();
  // A shorter interval makes it due again; a forced full run never counts as complete.
  ASSERT_TRUE(conn_
                  ->ExecScript("UPDATE run_metadata SET status = 'completed' WHERE status = 'running';"
                               "UPDATE run_metadata SET consolidation_forced = true WHERE run_type = 'full'")
                  .ok());
  auto env = Env(sim->endpoint());
  env["FULL_RUN_INTERVAL"] = "1h";
  IngestProcess forced = IngestProcess::Start({"schedule"}, env);
  ASSERT_EQ(forced.Wait(), 0) << forced.err();
  EXPECT_NE(forced.out().find("(full): "), std::string::npos) << forced.out();
  EXPECT_NE(forced.out().find("because the feed has no complete full run yet"), std::string::npos) << forced.out();
}

// FEED=natural,labgrown: one deployment schedules both feeds, one run each.
TEST_F(ScheduleCliTest, BothFeedsOneRunEach) {
  auto sim = StartSim({"--natural", "2000", "--labgrown", "1500"});
  ASSERT_NE(sim, nullptr);
  auto env = Env(sim->endpoint());
  env["FEED"] = "natural,labgrown";
  IngestProcess p = IngestProcess::Start({"schedule"}, env);
  ASSERT_EQ(p.Wait(), 0) << p.err();
  EXPECT_NE(p.out().find(" 2000 expected offers"), std::string::npos) << p.out();
  EXPECT_NE(p.out().find(" 1500 expected offers"), std::string::npos) << p.out();
  auto runs = conn_->Exec(
      "SELECT string_agg(feed || ':' || run_type || ':' || expected_records, ',' ORDER BY feed)"
      " FROM run_metadata");
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->GetString(0, 0), "labgrown:full:1500,natural:full:2000");
  // Both in flight now: each feed refuses, one line per feed.
  IngestProcess again = IngestProcess::Start({"schedule"}, env);
  EXPECT_EQ(again.Wait(), 1);
  std::vector<std::string> lines = PlainLines(again.err());
  ASSERT_EQ(lines.size(), 2u) << again.err();
  EXPECT_EQ(lines[0].rfind("diamond-ingest: schedule: natural: run natural-", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("diamond-ingest: schedule: labgrown: run labgrown-", 0), 0u) << lines[1];
}

// A run left `running` by a work item an earlier version dead-lettered without
// ending its partition: `schedule` applies the dead letter first (the partition
// fails, the run fails by the 70% rule) and schedules, instead of exiting 1
// "still in flight" every night.
TEST_F(ScheduleCliTest, ADeadLetteredWorkItemNoLongerBlocksTheFeed) {
  auto sim = StartSim({"--natural", "1500", "--labgrown", "0"});
  ASSERT_NE(sim, nullptr);
  auto env = Env(sim->endpoint());
  env["MIN_RECORDS_PER_PARTITION"] = "1000";
  IngestProcess first = IngestProcess::Start({"schedule"}, env);
  ASSERT_EQ(first.Wait(), 0) << first.err();
  ASSERT_EQ(CountRows(*conn_, "partition_runs"), 1);
  ASSERT_TRUE(conn_
                  ->ExecScript(
                      "UPDATE partition_runs SET status = 'running', attempts = 10;"
                      "WITH m AS (DELETE FROM queue_messages RETURNING *)"
                      " INSERT INTO queue_dead_letters (id, queue, body, dedup_id, enqueued_at, delivery_count, reason,"
                      "                                 description)"
                      " SELECT id, queue, body, dedup_id, enqueued_at, 11, 'MaxDeliveryCountExceeded',"
                      "        'delivered 10 times without completion (max 10)' FROM m;")
                  .ok());
  IngestProcess second = IngestProcess::Start({"schedule"}, env);
  ASSERT_EQ(second.Wait(), 0) << second.err();
  auto stuck = conn_->Exec(
      "SELECT r.status, r.error_message, p.status, p.error_message FROM run_metadata r"
      " JOIN partition_runs p USING (run_id) ORDER BY r.started_at LIMIT 1");
  ASSERT_TRUE(stuck.ok() && stuck->rows() == 1);
  EXPECT_EQ(stuck->GetString(0, 0), "failed");
  EXPECT_EQ(stuck->GetString(0, 1), "1 of 1 partitions failed");
  EXPECT_EQ(stuck->GetString(0, 2), "failed");
  EXPECT_EQ(stuck->GetString(0, 3),
            "work item dead-lettered: MaxDeliveryCountExceeded (delivered 10 times without completion (max 10))");
  EXPECT_EQ(CountRows(*conn_, "run_metadata"), 2);
}

TEST_F(ScheduleCliTest, NivodaUnreachableExitsOneWithOneLine) {
  // Nothing listens on port 1; RETRY_ATTEMPTS=2 with 10 ms delays.
  IngestProcess p = IngestProcess::Start({"schedule"}, Env("http://127.0.0.1:1/api/diamonds"));
  EXPECT_EQ(p.Wait(), 1);
  std::vector<std::string> lines = PlainLines(p.err());
  ASSERT_EQ(lines.size(), 1u) << p.err();
  EXPECT_EQ(lines[0].rfind("diamond-ingest: schedule: Nivoda count queries failed: ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("(unavailable)"), std::string::npos) << lines[0];
  EXPECT_EQ(p.out(), "");
  EXPECT_EQ(CountRows(*conn_, "run_metadata"), 0);
  EXPECT_EQ(CountRows(*conn_, "queue_messages"), 0);
}

TEST_F(ScheduleCliTest, DatabaseUnreachableExitsOneWithOneLine) {
  auto env = Env("http://127.0.0.1:1/api/diamonds");
  env["DATABASE_URL"] = "postgresql://127.0.0.1:1/nowhere?connect_timeout=2";
  IngestProcess p = IngestProcess::Start({"schedule"}, env);
  EXPECT_EQ(p.Wait(), 1);
  std::vector<std::string> lines = PlainLines(p.err());
  ASSERT_EQ(lines.size(), 1u) << p.err();
  EXPECT_EQ(lines[0].rfind("diamond-ingest: schedule: database unreachable: ", 0), 0u) << lines[0];
  // RETRY_ATTEMPTS=2: one retry, logged, before giving up.
  EXPECT_NE(p.err().find("database unreachable, retrying"), std::string::npos) << p.err();
}

TEST_F(ScheduleCliTest, ZeroOffersRecordsAnEmptyCompletedRun) {
  auto sim = StartSim({"--natural", "0", "--labgrown", "50"});
  ASSERT_NE(sim, nullptr);
  IngestProcess p = IngestProcess::Start({"schedule"}, Env(sim->endpoint()));
  ASSERT_EQ(p.Wait(), 0) << p.err();
  EXPECT_NE(p.err().find("zero offers match"), std::string::npos) << p.err();
  EXPECT_NE(p.err().find("\"level\":\"warn\""), std::string::npos) << p.err();
  EXPECT_NE(p.out().find("zero offers, recorded with no work items"), std::string::npos) << p.out();
  auto run =
      conn_->Exec("SELECT status, expected_partitions, expected_records, completed_at IS NOT NULL FROM run_metadata");
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->rows(), 1);
  EXPECT_EQ(run->GetString(0, 0), "completed");
  EXPECT_EQ(run->GetInt64(0, 1), 0);
  EXPECT_EQ(run->GetInt64(0, 2), 0);
  EXPECT_TRUE(run->GetBool(0, 3));
  EXPECT_EQ(CountRows(*conn_, "partition_runs"), 0);
  EXPECT_EQ(CountRows(*conn_, "queue_messages"), 0);
  // Completed, so not in flight: the next schedule is not refused.
  IngestProcess again = IngestProcess::Start({"schedule"}, Env(sim->endpoint()));
  EXPECT_EQ(again.Wait(), 0) << again.err();
}

TEST_F(ScheduleCliTest, DryRunPrintsThePlanAndWritesNothing) {
  auto sim = StartSim({"--natural", "4000", "--labgrown", "0"});
  ASSERT_NE(sim, nullptr);
  const std::string svg =
      std::filesystem::temp_directory_path() / ("di-schedule-plot-" + std::to_string(getpid()) + ".svg");
  IngestProcess p = IngestProcess::Start({"schedule", "--dry-run", "--plot", svg}, Env(sim->endpoint()));
  ASSERT_EQ(p.Wait(), 0) << p.err();
  const std::string out = p.out();
  EXPECT_NE(out.find("dry run: full run of feed natural"), std::string::npos) << out;
  EXPECT_NE(out.find("count queries: "), std::string::npos) << out;
  EXPECT_NE(out.find("$0"), std::string::npos) << out;
  EXPECT_NE(out.find("4,000"), std::string::npos) << out;
  std::ifstream in(svg);
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_EQ(doc.str().rfind("<svg", 0) == 0 || doc.str().rfind("<?xml", 0) == 0, true) << doc.str().substr(0, 80);
  EXPECT_NE(doc.str().find("</svg>"), std::string::npos);
  std::filesystem::remove(svg);
  for (const char* table : {"run_metadata", "partition_runs", "partition_progress", "queue_messages", "queue_dedup"}) {
    EXPECT_EQ(CountRows(*conn_, table), 0) << table;
  }
}

// A dry run needs only Nivoda and the watermark: with no database at all
// (DATABASE_URL unset, no embedded PostgreSQL running) it starts none and plans
// a full run, saying why; so it does with an unreachable DATABASE_URL.
TEST_F(ScheduleCliTest, DryRunWithoutADatabasePlansAFullRunAndSaysSo) {
  auto sim = StartSim({"--natural", "3000", "--labgrown", "0"});
  ASSERT_NE(sim, nullptr);
  const std::string data_dir =
      std::filesystem::temp_directory_path() / ("di-schedule-nodb-" + std::to_string(getpid()));
  auto env = Env(sim->endpoint());
  env.erase("DATABASE_URL");
  env["DI_DATA_DIR"] = data_dir;
  IngestProcess p = IngestProcess::Start({"schedule", "--dry-run"}, env);
  ASSERT_EQ(p.Wait(), 0) << p.err();
  EXPECT_NE(p.out().find("dry run: full run of feed natural"), std::string::npos) << p.out();
  EXPECT_NE(p.out().find("no database: no watermark to read, so planned as a full run"), std::string::npos) << p.out();
  EXPECT_NE(p.out().find("3,000"), std::string::npos) << p.out();
  EXPECT_FALSE(std::filesystem::exists(data_dir + "/pg")) << "no embedded PostgreSQL was started";

  env["DATABASE_URL"] = "postgresql://127.0.0.1:1/nowhere?connect_timeout=2";
  IngestProcess unreachable = IngestProcess::Start({"schedule", "--dry-run"}, env);
  ASSERT_EQ(unreachable.Wait(), 0) << unreachable.err();
  EXPECT_NE(unreachable.out().find("no database: no watermark to read"), std::string::npos) << unreachable.out();
  EXPECT_NE(unreachable.err().find("the dry run plans without it"), std::string::npos) << unreachable.err();
  std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace di::testing
