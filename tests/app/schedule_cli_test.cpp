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
