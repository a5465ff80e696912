// `status` on a real database: runs in several states, a stalled run, queue
// depths and dead letters; LoadStatus, both renderings, and the CLI.
#include "ops/status.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ops_support.h"
#include "queue/postgres_queue.h"
#include "run_rows.h"
#include "test_database.h"

namespace di::testing {
namespace {

class StatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = db_.Connect();
    SampleRun done;
    done.run_id = "run-done";
    done.started_seconds_ago = 7200;
    done.partitions = std::vector<std::string>(6, "completed");
    done.offers = 3000;
    done_ = InsertSampleRun(*conn_, done);

    SampleRun live;  // in flight, last progress 45 minutes ago
    live.run_id = "run-live";
    live.status = "running";
    live.consolidated = false;
    live.started_seconds_ago = 3600;
    live.duration_seconds = 300;
    live.progress_seconds_ago = 45 * 60;
    live.offers = 4000;
    live.partitions = {"completed", "completed", "failed", "running", "pending"};
    live_ = InsertSampleRun(*conn_, live);

    pool_ = std::make_shared<pg::Pool>(db_.url(), 2);
    queue_ = std::make_shared<queue::PostgresQueue>(pool_, queue::QueueOptions{});
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(queue_->Send({"work-items", "{\"n\":" + std::to_string(i) + "}", std::nullopt, std::nullopt}).ok());
    }
    auto leased = queue_->Receive("work-items", Millis(1000));
    ASSERT_TRUE(leased.ok() && leased->has_value());
    ASSERT_TRUE(queue_->DeadLetter(**leased, "malformed", "not a work item").ok());
    leased = queue_->Receive("work-items", Millis(1000));  // stays leased
    ASSERT_TRUE(leased.ok() && leased->has_value());
    ASSERT_TRUE(queue_->Send({"consolidate", "{}", std::nullopt, DefaultClock().Now() + std::chrono::minutes(5)}).ok());
  }

  StatusReport Load(std::optional<std::string> run_id) {
    StatusRequest request;
    request.run_id = std::move(run_id);
    request.queues = {"work-items", "consolidate"};
    request.stall_alert = Millis(30 * 60 * 1000);
    auto r = LoadStatus(*conn_, *queue_, request);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : StatusReport{};
  }

  TestDatabase db_ = TestDatabase::Create();
  std::unique_ptr<pg::Connection> conn_;
  std::shared_ptr<pg::Pool> pool_;
  std::shared_ptr<queue::PostgresQueue> queue_;
  SampleRunFacts done_, live_;
};

TEST_F(StatusTest, RunsNewestFirstWithTheirNumbers) {
  StatusReport report = Load(std::nullopt);
  ASSERT_EQ(report.runs.size(), 2u);
  const RunSummary& live = report.runs[0];
  EXPECT_EQ(live.run_id, "run-live");
  EXPECT_EQ(live.status, "running");
  EXPECT_EQ(live.expected_partitions, 5);
  EXPECT_EQ(live.completed_partitions, 2);
  EXPECT_EQ(live.failed_partitions, 1);
  EXPECT_EQ(live.running_partitions, 1);
  EXPECT_EQ(live.pending_partitions, 1);
  EXPECT_EQ(live.expected_records, 4000);
  EXPECT_EQ(live.records_fetched, live_.records_fetched);
  EXPECT_EQ(live.consolidation, "waiting");
  EXPECT_FALSE(live.watermark_after.has_value());
  EXPECT_TRUE(live.stalled);
  EXPECT_NEAR(live.duration_seconds, 3600, 60);

  const RunSummary& done = report.runs[1];
  EXPECT_EQ(done.run_id, "run-done");
  EXPECT_EQ(done.completed_partitions, 6);
  EXPECT_EQ(done.records_fetched, 3000);
  EXPECT_EQ(done.consolidation, "done");
  EXPECT_EQ(done.watermark_before, "2026-01-01T02:00:00Z");
  EXPECT_EQ(done.watermark_after, "2026-01-02T02:00:00Z");
  EXPECT_NEAR(done.duration_seconds, 620, 2);  // to the consolidation's end
  EXPECT_FALSE(done.stalled);
  EXPECT_FALSE(report.run.has_value());
}

TEST_F(StatusTest, AConsolidatedRunKeepsItsCountWhenALaterRunTakesItsRawRows) {
  // A later run that sees a stone takes over its raw row (run_id); the run
  // that was consolidated shows what its finalize counted, not what is left.
  ASSERT_TRUE(
      conn_->Exec("UPDATE run_metadata SET consolidation_stats = '{\"seen\": 3000}' WHERE run_id = 'run-done'").ok());
  ASSERT_TRUE(conn_
                  ->Exec("UPDATE raw_diamonds_nivoda SET run_id = 'run-live' WHERE supplier_stone_id IN"
                         " (SELECT supplier_stone_id FROM raw_diamonds_nivoda WHERE run_id = 'run-done' LIMIT 700)")
                  .ok());
  StatusReport report = Load(std::nullopt);
  ASSERT_EQ(report.runs.size(), 2u);
  EXPECT_EQ(report.runs[1].run_id, "run-done");
  EXPECT_EQ(report.runs[1].records_fetched, 3000);
  EXPECT_EQ(report.runs[0].records_fetched, live_.records_fetched + 700) << "a running run counts its raw rows";
}

TEST_F(StatusTest, OneRunListsEveryPartition) {
  StatusReport report = Load("run-live");
  ASSERT_TRUE(report.run.has_value());
  ASSERT_EQ(report.partitions.size(), 5u);
  EXPECT_EQ(report.partitions[0].price_min, 0);
  EXPECT_EQ(report.partitions[1].price_min, live_.lower_bounds[1]);
  EXPECT_EQ(report.partitions[0].price_max, live_.lower_bounds[1]);
  EXPECT_FALSE(report.partitions[4].price_max.has_value());
  EXPECT_EQ(report.partitions[2].status, "failed");
  EXPECT_EQ(report.partitions[2].attempts, 10);
  EXPECT_EQ(report.partitions[2].error, "Nivoda unavailable after 10 deliveries: HTTP 503");
  EXPECT_EQ(report.partitions[3].status, "running");
  EXPECT_EQ(report.partitions[3].phase, "paging");
  EXPECT_EQ(report.partitions[3].next_offset, report.partitions[3].records);
  EXPECT_EQ(report.partitions[4].status, "pending");
  EXPECT_FALSE(report.partitions[4].started_at.has_value());
}

TEST_F(StatusTest, UnknownRunIsNotFound) {
  StatusRequest request;
  request.run_id = "run-nope";
  auto r = LoadStatus(*conn_, *queue_, request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
}

TEST_F(StatusTest, QueueDepthsAndDeadLetters) {
  StatusReport report = Load(std::nullopt);
  ASSERT_EQ(report.queues.size(), 2u);
  EXPECT_EQ(report.queues[0].name, "work-items");
  EXPECT_EQ(report.queues[0].depth.ready, 1);
  EXPECT_EQ(report.queues[0].depth.leased, 1);
  EXPECT_EQ(report.queues[0].depth.dead_letters, 1);
  EXPECT_EQ(report.queues[1].depth.scheduled, 1);
  EXPECT_EQ(report.queues[1].depth.dead_letters, 0);
}

TEST_F(StatusTest, StallWarningOnlyWhenProgressIsOlderThanTheAlert) {
  StatusReport report = Load(std::nullopt);
  ASSERT_EQ(report.stalls.size(), 1u);
  EXPECT_EQ(report.stalls[0].run_id, "run-live");
  EXPECT_NE(FormatStatusText(report, false).find("STALLED: run run-live has made no progress for 45m"),
            std::string::npos);

  // Progress two minutes ago: no warning.
  ASSERT_TRUE(conn_
                  ->Exec("UPDATE partition_progress SET updated_at = now() - interval '2 minutes' "
                         "WHERE run_id = 'run-live' AND partition_id = 3")
                  .ok());
  report = Load(std::nullopt);
  EXPECT_TRUE(report.stalls.empty());
  EXPECT_FALSE(report.runs[0].stalled);
  EXPECT_EQ(FormatStatusText(report, false).find("STALLED"), std::string::npos);
}

TEST_F(StatusTest, HumanTablesCarryTheNumbers) {
  std::string text = FormatStatusText(Load("run-live"), false);
  EXPECT_NE(text.find("run-live"), std::string::npos) << text;
  EXPECT_NE(text.find("2/1/5"), std::string::npos) << text;  // done/failed/expected
  EXPECT_NE(text.find("6/0/6"), std::string::npos) << text;
  EXPECT_NE(text.find("3,000/3,000"), std::string::npos) << text;
  EXPECT_NE(text.find("2026-01-01T02:00:00Z → 2026-01-02T02:00:00Z"), std::string::npos) << text;
  EXPECT_NE(text.find("Nivoda unavailable after 10 deliveries"), std::string::npos) << text;
  EXPECT_NE(text.find("$0 – $"), std::string::npos) << text;  // the first partition's range
  EXPECT_EQ(text.find("\033["), std::string::npos) << "no colour without a terminal";
  EXPECT_NE(FormatStatusText(Load("run-live"), true).find("\033[1;31m"), std::string::npos);
}

TEST_F(StatusTest, JsonHasTheDocumentedFields) {
  auto j = nlohmann::json::parse(FormatStatusJson(Load("run-live")));
  EXPECT_EQ(j["stall_alert_minutes"], 30);
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][0]["partitions"]["failed"], 1);
  EXPECT_EQ(j["runs"][1]["offers"]["fetched"], 3000);
  EXPECT_EQ(j["runs"][1]["watermark_after"], "2026-01-02T02:00:00Z");
  EXPECT_TRUE(j["runs"][0]["watermark_after"].is_null());
  EXPECT_EQ(j["run"]["run_id"], "run-live");
  ASSERT_EQ(j["run"]["partitions"].size(), 5u);
  EXPECT_TRUE(j["run"]["partitions"][4]["price_max"].is_null());
  EXPECT_EQ(j["run"]["partitions"][2]["attempts"], 10);
  EXPECT_EQ(j["queues"][0]["dead_letters"], 1);
  EXPECT_EQ(j["stalls"][0]["run_id"], "run-live");
  EXPECT_GE(j["stalls"][0]["minutes_without_progress"].get<int>(), 44);
}

TEST_F(StatusTest, CommandLinePrintsJsonAndTables) {
  auto json = RunCommand({BinaryPath("diamond-ingest"), "--database-url", db_.url(), "--stall-alert-minutes", "30",
                          "status", "--json", "--run-id", "run-live"});
  ASSERT_EQ(json.exit_code, 0) << json.out;
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["run"]["partitions"].size(), 5u);
  EXPECT_EQ(j["queues"][0]["name"], "work-items");
  EXPECT_EQ(j["queues"][0]["dead_letters"], 1);
  EXPECT_EQ(j["stalls"].size(), 1u);

  auto text = RunCommand({BinaryPath("diamond-ingest"), "--database-url", db_.url(), "status"});
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_NE(text.out.find("STALLED: run run-live"), std::string::npos)
      << text.out;  // STALL_ALERT_MINUTES defaults to 30
  EXPECT_NE(text.out.find("consolidate"), std::string::npos);

  auto missing = RunCommand({BinaryPath("diamond-ingest"), "--database-url", db_.url(), "status", "--run-id", "x"});
  EXPECT_EQ(missing.exit_code, 1);
}

}  // namespace
}  // namespace di::testing
