// Planning overlapped with fetching, against a real nivoda-sim whose 300 ms
// latency makes every round of count queries slow, and a fresh PostgreSQL
// database per test: the first work items are on the queue before planning
// ends, the partitions equal the plan made without overlap, a planning failure
// after the first work items fails the run, and a run its scheduler left half
// published is failed by the next scheduler instead of blocking its feed.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "app/components.h"
#include "roles/run_publisher.h"
#include "roles/scheduler.h"
#include "schedule_support.h"
#include "sim_process.h"
#include "store/runs.h"
#include "test_database.h"

namespace di::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kOffers = 100000;

class ScheduleOverlapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sim = SimProcess::Start({"--natural", std::to_string(kOffers), "--labgrown", "0", "--seed", "7",
                                  "--latency-base-ms", "300", "--log-level", "warn"});
    ASSERT_TRUE(sim.ok()) << sim.status().ToString();
    sim_ = std::move(*sim);
    db_ = std::make_unique<TestDatabase>(TestDatabase::Create());
    conn_ = db_->Connect();
  }

  std::unique_ptr<Scheduler> MakeScheduler(const std::map<std::string, std::string>& extra = {}) {
    return MakeTestScheduler(db_->url(), sim_->endpoint(), extra, &components_);
  }

  // Work items on the queue now (a connection of its own).
  int64_t WorkItems(pg::Connection& conn) {
    auto r = conn.Exec("SELECT count(*) FROM queue_messages WHERE queue = 'work-items'");
    return r.ok() ? r->GetInt64(0, 0) : -1;
  }

  std::string RunColumn(const std::string& run_id, const std::string& column) {
    auto r = conn_->Exec("SELECT " + column + "::text FROM run_metadata WHERE run_id = $1", {pg::P(run_id)});
    return r.ok() && r->rows() == 1 ? r->GetString(0, 0) : "<none>";
  }

  std::unique_ptr<SimProcess> sim_;
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<pg::Connection> conn_;
  std::unique_ptr<Components> components_;
};

// Watches the work-items queue every 10 ms from its own connection: when the
// first item appeared and how many there were then; runs ON_FIRST once then.
class QueueWatch {
 public:
  QueueWatch(TestDatabase& db, std::function<void()> on_first = nullptr)
      : conn_(db.Connect()), on_first_(std::move(on_first)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        auto r = conn_->Exec("SELECT count(*) FROM queue_messages WHERE queue = 'work-items'");
        if (r.ok() && r->GetInt64(0, 0) > 0 && first_items_ == 0) {
          first_at_ = Clock::now();
          first_items_ = r->GetInt64(0, 0);
          if (on_first_) on_first_();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
  }
  ~QueueWatch() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  Clock::time_point first_at() const { return first_at_; }
  int64_t first_items() const { return first_items_; }

 private:
  std::unique_ptr<pg::Connection> conn_;
  std::function<void()> on_first_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> first_items_{0};
  Clock::time_point first_at_{};
  std::thread thread_;
};

TEST_F(ScheduleOverlapTest, FirstWorkItemsArePublishedBeforePlanningEnds) {
  auto scheduler = MakeScheduler();
  ASSERT_NE(scheduler, nullptr);
  QueueWatch watch(*db_);
  auto result = scheduler->Run({});
  const Clock::time_point ended = Clock::now();
  watch.Stop();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const int n = static_cast<int>(result->plan.partitions.size());
  ASSERT_GT(watch.first_items(), 0);
  EXPECT_LT(watch.first_items(), n) << "the first batch is not the whole plan";
  // At least one more round of 300 ms count queries ran after the first items.
  EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(ended - watch.first_at()).count(), 250);
  EXPECT_GT(result->early_partitions, 0);
  EXPECT_GE(result->first_item_ms, 0);
  EXPECT_LT(result->first_item_ms + 250, result->planning_ms);
  EXPECT_EQ(WorkItems(*conn_), n);
  EXPECT_EQ(RunColumn(result->run_id, "planning"), "false");
  EXPECT_EQ(RunColumn(result->run_id, "expected_partitions"), std::to_string(n));
  EXPECT_EQ(RunColumn(result->run_id, "expected_records"), std::to_string(kOffers));
  EXPECT_EQ(RunColumn(result->run_id, "count_queries"), std::to_string(result->plan.count_queries));

  // The same counts planned without overlap give the same partitions.
  auto plain = MakeScheduler({{"SCHEDULE_OVERLAP", "0"}});
  ASSERT_NE(plain, nullptr);
  ScheduleRequest forced;
  forced.force = true;
  auto baseline = plain->Run(forced);
  ASSERT_TRUE(baseline.ok()) << baseline.status().ToString();
  EXPECT_EQ(baseline->early_partitions, 0);
  EXPECT_EQ(baseline->plan.partitions, result->plan.partitions);
  const auto overlapped_rows = ReadPartitions(*conn_, result->run_id);
  const auto baseline_rows = ReadPartitions(*conn_, baseline->run_id);
  ASSERT_EQ(overlapped_rows.size(), baseline_rows.size());
  for (size_t i = 0; i < baseline_rows.size(); ++i) {
    EXPECT_EQ(overlapped_rows[i].partition_id, baseline_rows[i].partition_id);
    EXPECT_EQ(overlapped_rows[i].price_min, baseline_rows[i].price_min);
    EXPECT_EQ(overlapped_rows[i].price_max, baseline_rows[i].price_max);
    EXPECT_EQ(overlapped_rows[i].expected_records, baseline_rows[i].expected_records);
  }
}

TEST_F(ScheduleOverlapTest, APlanningFailureAfterTheFirstWorkItemsFailsTheRun) {
  auto scheduler = MakeScheduler();
  ASSERT_NE(scheduler, nullptr);
  // Nivoda dies as soon as the first work items are on the queue (SIGKILL:
  // the count queries in flight fail too).
  QueueWatch watch(*db_, [this] { ::kill(sim_->pid(), SIGKILL); });
  auto result = scheduler->Run({});
  watch.Stop();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("planning failed after publishing"), std::string::npos)
      << result.status().message();
  auto run = conn_->Exec("SELECT run_id, status, planning, error_message FROM run_metadata");
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->rows(), 1);
  const std::string run_id = run->GetString(0, 0);
  EXPECT_EQ(run->GetString(0, 1), "failed");
  EXPECT_FALSE(run->GetBool(0, 2));
  EXPECT_NE(run->GetString(0, 3).find("planning failed"), std::string::npos);
  auto open = conn_->Exec("SELECT count(*) FILTER (WHERE status IN ('pending', 'running')),"
                          " count(*) FILTER (WHERE status = 'cancelled') FROM partition_runs");
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->GetInt64(0, 0), 0) << "no partition of the failed run is left to fetch";
  EXPECT_GT(open->GetInt64(0, 1), 0);
  auto in_flight = store::RunInFlight(*conn_, "natural");
  ASSERT_TRUE(in_flight.ok());
  EXPECT_FALSE(in_flight->has_value()) << "the failed run does not block its feed";
}

TEST_F(ScheduleOverlapTest, ARunLeftPlanningByADeadSchedulerIsFailedByTheNext) {
  // What a scheduler killed after its first batch leaves behind.
  store::NewRun left;
  left.run_id = "natural-20261203T000000Z-dead";
  left.feed = "natural";
  left.run_type = "full";
  left.updated_to = "2026-12-03T00:00:00Z";
  left.planning = true;
  left.expected_records = kOffers;
  {
    pg::Transaction tx(*conn_);
    ASSERT_TRUE(tx.begin_status().ok());
    ASSERT_TRUE(store::InsertRun(*conn_, left, {{0, 0, 100, 1000, "{}"}}).ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  EXPECT_EQ(RunColumn(left.run_id, "expected_partitions"), "2") << "one more than published while planning";

  // While a scheduler holds the lock, its runs are its own.
  auto holder = db_->Connect();
  auto locked = holder->Exec("SELECT pg_try_advisory_lock($1::bigint)", {pg::P(kSchedulerLockKey)});
  ASSERT_TRUE(locked.ok() && locked->GetBool(0, 0));
  auto none = FailRunsLeftPlanning(*conn_);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(RunColumn(left.run_id, "status"), "running");
  holder.reset();  // the scheduler's connection dies with it

  auto scheduler = MakeScheduler();
  ASSERT_NE(scheduler, nullptr);
  auto result = scheduler->Run({});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(RunColumn(left.run_id, "status"), "failed");
  EXPECT_EQ(RunColumn(left.run_id, "planning"), "false");
  auto partition = conn_->Exec("SELECT status FROM partition_runs WHERE run_id = $1", {pg::P(left.run_id)});
  ASSERT_TRUE(partition.ok() && partition->rows() == 1);
  EXPECT_EQ(partition->GetString(0, 0), "cancelled");
  EXPECT_EQ(RunColumn(result->run_id, "status"), "running");
}

// The rare case (a heavy dollar found after partitions were published): the
// publisher sees its published partition is not the plan's; the scheduler then
// fails that run and records the plan whole as a new one (what this replays).
TEST_F(ScheduleOverlapTest, APublishedPartitionTheFinalPlanChangedIsReplacedByANewRun) {
  auto scheduler = MakeScheduler();  // components: the queue
  ASSERT_NE(scheduler, nullptr);
  store::NewRun run;
  run.run_id = "natural-20261203T000000Z-aaaa";
  run.feed = "natural";
  run.run_type = "full";
  run.updated_to = "2026-12-03T00:00:00Z";
  queue::WorkItem item;
  item.run_id = run.run_id;
  item.updated_to = run.updated_to;
  RunPublisher first(*conn_, *components_->queue, run, item);
  ASSERT_TRUE(first.PublishEarly(3000, {{1, 500, 1016, 1006}}).ok());
  EXPECT_EQ(RunColumn(run.run_id, "planning"), "true");

  plan::Plan changed;  // a heavy dollar [$1,234, $1,235] became partition 1
  changed.total_records = 3000;
  changed.partitions = {{0, 0, 1234, 990}, {1, 1234, 1235, 1010}, {2, 1235, std::nullopt, 1000}};
  EXPECT_FALSE(first.PublishedMatch(changed));
  ASSERT_TRUE(first.Abort("the plan changed after its first work items were published").ok());
  EXPECT_EQ(RunColumn(run.run_id, "status"), "failed");

  store::NewRun replacement = run;
  replacement.run_id = "natural-20261203T000000Z-bbbb";
  item.run_id = replacement.run_id;
  RunPublisher second(*conn_, *components_->queue, replacement, item);
  ASSERT_TRUE(second.Finish(changed).ok());
  EXPECT_EQ(RunColumn(replacement.run_id, "status"), "running");
  EXPECT_EQ(RunColumn(replacement.run_id, "planning"), "false");
  EXPECT_EQ(RunColumn(replacement.run_id, "expected_partitions"), "3");
  auto cancelled = conn_->Exec("SELECT status FROM partition_runs WHERE run_id = $1", {pg::P(run.run_id)});
  ASSERT_TRUE(cancelled.ok() && cancelled->rows() == 1);
  EXPECT_EQ(cancelled->GetString(0, 0), "cancelled");
  auto in_flight = store::RunInFlight(*conn_, "natural");
  ASSERT_TRUE(in_flight.ok() && in_flight->has_value());
  EXPECT_EQ(**in_flight, replacement.run_id);

  // Every partition published early: the end of planning refuses (the run
  // could never complete).
  plan::Plan all;
  all.total_records = 1006;
  all.partitions = {{0, 0, std::nullopt, 1006}};
  store::NewRun third_run = run;
  third_run.run_id = "natural-20261203T000000Z-cccc";
  RunPublisher third(*conn_, *components_->queue, third_run, item);
  ASSERT_TRUE(third.PublishEarly(1006, all.partitions).ok());
  EXPECT_EQ(third.Finish(all).code(), Code::kInternal);
}

}  // namespace
}  // namespace di::testing
