// The Scheduler in process against a real nivoda-sim (42,000 offers, no
// latency) and a fresh PostgreSQL database per test: partitions against the
// simulator's dump, run rows against work items on the queue, incremental
// windows, the lock, the in-flight rule and dry runs.
#include "roles/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>

#include "app/components.h"
#include "common/clock.h"
#include "queue/messages.h"
#include "schedule_support.h"
#include "sim_process.h"
#include "test_database.h"

namespace di::testing {
namespace {

constexpr int64_t kNatural = 40000;
constexpr int64_t kLabgrown = 2000;

class SchedulerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto sim = SimProcess::Start({"--natural", std::to_string(kNatural), "--labgrown", std::to_string(kLabgrown),
                                  "--seed", "7", "--log-level", "warn"});
    ASSERT_TRUE(sim.ok()) << sim.status().ToString();
    sim_ = sim->release();
    auto natural = sim_->Dump("natural");
    ASSERT_TRUE(natural.ok()) << natural.status().ToString();
    natural_ = new std::vector<SimDumpRow>(std::move(*natural));
    auto labgrown = sim_->Dump("labgrown");
    ASSERT_TRUE(labgrown.ok()) << labgrown.status().ToString();
    labgrown_ = new std::vector<SimDumpRow>(std::move(*labgrown));
  }
  static void TearDownTestSuite() {
    delete sim_;  // SIGTERM + wait
    delete natural_;
    delete labgrown_;
  }

  void SetUp() override {
    ASSERT_NE(sim_, nullptr);
    db_ = std::make_unique<TestDatabase>(TestDatabase::Create());
    conn_ = db_->Connect();
  }

  // Builds components and a Scheduler for the settings in ENV plus EXTRA.
  std::unique_ptr<Scheduler> MakeScheduler(const std::map<std::string, std::string>& extra = {}) {
    return MakeTestScheduler(db_->url(), sim_->endpoint(), extra, &components_);
  }

  // Checks the partitions of RUN_ID in the database: contiguous from $0,
  // overlapping by the boundary dollar, last open-ended, never inverted, at
  // most MAX_PARTITIONS, expected records summing to TOTAL; and equal to PLAN.
  void ExpectWellFormed(const std::string& run_id, const plan::Plan& plan, int max_partitions, int64_t total) {
    std::vector<PartitionRow> parts = ReadPartitions(*conn_, run_id);
    ASSERT_FALSE(parts.empty());
    EXPECT_LE(static_cast<int>(parts.size()), max_partitions);
    ASSERT_EQ(parts.size(), plan.partitions.size());
    EXPECT_EQ(parts.front().price_min, 0);
    EXPECT_FALSE(parts.back().price_max.has_value()) << "last partition must be open-ended";
    int64_t sum = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      const auto& p = parts[i];
      EXPECT_EQ(p.partition_id, plan.partitions[i].id);
      EXPECT_EQ(p.price_min, plan.partitions[i].price_min);
      EXPECT_EQ(p.price_max, plan.partitions[i].price_max);
      EXPECT_EQ(p.expected_records, plan.partitions[i].expected_records);
      if (p.price_max) {
        EXPECT_LE(p.price_min, *p.price_max) << "inverted range in partition " << i;
      }
      if (i + 1 < parts.size()) {
        ASSERT_TRUE(p.price_max.has_value()) << "only the last partition is open-ended";
        EXPECT_EQ(parts[i + 1].price_min, *p.price_max) << "gap or missing overlap after partition " << i;
      }
      sum += p.expected_records;
    }
    EXPECT_EQ(sum, total);
    EXPECT_EQ(plan.total_records, total);
    auto run =
        conn_->Exec("SELECT expected_records, expected_partitions, count_queries FROM run_metadata WHERE run_id = $1",
                    {pg::P(run_id)});
    ASSERT_TRUE(run.ok() && run->rows() == 1);
    EXPECT_EQ(run->GetInt64(0, 0), total);
    EXPECT_EQ(run->GetInt64(0, 1), static_cast<int64_t>(parts.size()));
    EXPECT_EQ(run->GetInt64(0, 2), plan.count_queries);
  }

  static inline SimProcess* sim_ = nullptr;
  static inline std::vector<SimDumpRow>* natural_ = nullptr;
  static inline std::vector<SimDumpRow>* labgrown_ = nullptr;
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<pg::Connection> conn_;
  std::unique_ptr<Components> components_;
};

TEST_F(SchedulerTest, FullRunCoversEveryOfferOfTheDump) {
  auto scheduler = MakeScheduler();
  ASSERT_NE(scheduler, nullptr);
  auto result = scheduler->Run({});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->outcome, ScheduleOutcome::kScheduled);
  EXPECT_FALSE(result->incremental);
  EXPECT_FALSE(result->updated_from.has_value());
  ASSERT_EQ(static_cast<int64_t>(natural_->size()), kNatural);
  // 40,000 offers at >= 1,000 each allow more than 30 partitions: the cap binds.
  EXPECT_EQ(result->plan.partitions.size(), 30u);
  ExpectWellFormed(result->run_id, result->plan, 30, kNatural);

  std::vector<PartitionRow> parts = ReadPartitions(*conn_, result->run_id);
  int above_250k = 0, fractional = 0, on_boundary = 0;
  std::set<int64_t> boundaries;
  for (const auto& p : parts) boundaries.insert(p.price_min);
  for (const auto& row : *natural_) {
    std::vector<int> holding = PartitionsHolding(parts, row.price_cents);
    EXPECT_FALSE(holding.empty()) << "offer " << row.offer_id << " at " << row.price_cents << " cents is lost";
    above_250k += row.price_cents > 250'000 * 100;
    fractional += row.price_cents % 100 != 0;
    on_boundary +=
        row.price_cents % 100 == 0 && boundaries.count(row.price_cents / 100) > 0 && row.price_cents / 100 > 0;
  }
  // The dump really holds the offers the rules protect.
  EXPECT_GT(above_250k, 0);
  EXPECT_GT(fractional, 0);
  RecordProperty("offers_on_a_boundary", on_boundary);
}

TEST_F(SchedulerTest, WorkItemsOnTheQueueMatchWorkerRuns) {
  auto scheduler = MakeScheduler();
  ASSERT_NE(scheduler, nullptr);
  auto result = scheduler->Run({});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const size_t n = result->plan.partitions.size();

  auto msgs =
      conn_->Exec("SELECT body, dedup_id FROM queue_messages WHERE queue = $1 ORDER BY id", {pg::P(queue::kWorkItems)});
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(static_cast<size_t>(msgs->rows()), n);
  std::set<int> seen;
  for (int i = 0; i < msgs->rows(); ++i) {
    auto item = queue::DecodeWorkItem(msgs->Get(i, 0));
    ASSERT_TRUE(item.ok()) << item.status().ToString() << ": " << msgs->Get(i, 0);
    EXPECT_EQ(msgs->GetString(i, 1), queue::WorkItemDedupId(result->run_id, item->partition_id, 0));
    EXPECT_EQ(item->run_id, result->run_id);
    EXPECT_EQ(item->feed, "natural");
    EXPECT_FALSE(item->is_incremental);
    EXPECT_EQ(item->updated_to, result->updated_to);
    EXPECT_FALSE(item->updated_from.has_value());
    seen.insert(item->partition_id);

    // partition_runs keeps the same work item for retries.
    auto stored = conn_->Exec(
        "SELECT work_item_payload::text, status FROM partition_runs WHERE run_id = $1 AND partition_id = $2",
        {pg::P(result->run_id), pg::P(item->partition_id)});
    ASSERT_TRUE(stored.ok() && stored->rows() == 1);
    EXPECT_EQ(stored->GetString(0, 1), "pending");
    auto kept = queue::DecodeWorkItem(stored->Get(0, 0));
    ASSERT_TRUE(kept.ok()) << kept.status().ToString();
    EXPECT_EQ(queue::EncodeWorkItem(*kept), queue::EncodeWorkItem(*item));

    const plan::Partition& p = result->plan.partitions.at(item->partition_id);
    EXPECT_EQ(item->price_min, p.price_min);
    EXPECT_EQ(item->price_max, p.price_max);
    EXPECT_EQ(item->expected_records, p.expected_records);
  }
  EXPECT_EQ(seen.size(), n);
  auto run = conn_->Exec("SELECT status, run_type, updated_from IS NULL FROM run_metadata WHERE run_id = $1",
                         {pg::P(result->run_id)});
  ASSERT_TRUE(run.ok() && run->rows() == 1);
  EXPECT_EQ(run->GetString(0, 0), "running");
  EXPECT_EQ(run->GetString(0, 1), "full");
  EXPECT_TRUE(run->GetBool(0, 2));
}

TEST_F(SchedulerTest, IncrementalWindowOverlapsTheWatermark) {
  // A watermark at the median updated_at: about half the offers are newer.
  std::vector<std::string> times;
  for (const auto& row : *natural_) times.push_back(row.updated_at);
  std::sort(times.begin(), times.end());
  WallTime watermark_at;
  ASSERT_TRUE(ParseIso8601(times[times.size() / 2], &watermark_at));
  auto scheduler = MakeScheduler({{"INCREMENTAL_OVERLAP_MINUTES", "15"}});
  ASSERT_NE(scheduler, nullptr);
  ASSERT_TRUE(components_->watermark->Advance({watermark_at, "natural-previous", watermark_at}).ok());
  // A complete full run an hour ago: the next one is not due (FULL_RUN_INTERVAL 24 h).
  ASSERT_TRUE(
      conn_
          ->ExecScript("INSERT INTO run_metadata (run_id, feed, run_type, status, expected_partitions, updated_to)"
                       " VALUES ('natural-previous-full', 'natural', 'full', 'completed', 0,"
                       "         now() - interval '1 hour')")
          .ok());

  const WallTime before = std::chrono::system_clock::now();
  auto result = scheduler->Run({});
  const WallTime after = std::chrono::system_clock::now();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->incremental) << result->run_type_reason;
  EXPECT_EQ(result->run_type_reason.rfind("the last complete full run is ", 0), 0u) << result->run_type_reason;
  ASSERT_TRUE(result->updated_from.has_value());
  EXPECT_EQ(*result->updated_from, FormatIso8601(watermark_at - std::chrono::minutes(15)));
  EXPECT_EQ(*result->watermark_before, FormatIso8601(watermark_at));
  WallTime to;
  ASSERT_TRUE(ParseIso8601(result->updated_to, &to));
  EXPECT_GE(to + Millis(1), before);
  EXPECT_LE(to, after);

  // The plan counts exactly the dump's offers inside the window.
  int64_t in_window = 0;
  for (const auto& row : *natural_) {
    in_window += row.updated_at >= *result->updated_from && row.updated_at <= result->updated_to;
  }
  ASSERT_GT(in_window, 10 * 1000) << "the window should allow more than 10 partitions";
  EXPECT_EQ(result->plan.partitions.size(), 10u);
  ExpectWellFormed(result->run_id, result->plan, 10, in_window);

  auto run = conn_->Exec(
      "SELECT run_type, updated_from = $2::timestamptz, watermark_before = $3::timestamptz,"
      " updated_to = $4::timestamptz FROM run_metadata WHERE run_id = $1",
      {pg::P(result->run_id), pg::P(*result->updated_from), pg::P(*result->watermark_before),
       pg::P(result->updated_to)});
  ASSERT_TRUE(run.ok() && run->rows() == 1);
  EXPECT_EQ(run->GetString(0, 0), "incremental");
  EXPECT_TRUE(run->GetBool(0, 1));
  EXPECT_TRUE(run->GetBool(0, 2));
  EXPECT_TRUE(run->GetBool(0, 3));
  auto body = conn_->Exec("SELECT body FROM queue_messages LIMIT 1");
  ASSERT_TRUE(body.ok() && body->rows() == 1);
  auto item = queue::DecodeWorkItem(body->Get(0, 0));
  ASSERT_TRUE(item.ok());
  EXPECT_TRUE(item->is_incremental);
  EXPECT_EQ(item->updated_from, result->updated_from);
  EXPECT_EQ(item->watermark_before, result->watermark_before);
}

TEST_F(SchedulerTest, FullFlagIgnoresTheWatermark) {
  auto scheduler = MakeScheduler();
  ASSERT_NE(scheduler, nullptr);
  const WallTime w = std::chrono::system_clock::now() - std::chrono::hours(1);
  ASSERT_TRUE(components_->watermark->Advance({w, "natural-previous", w}).ok());
  ScheduleRequest request;
  request.full = true;
  auto result = scheduler->Run(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(result->incremental);
  EXPECT_EQ(result->watermark_before, FormatIso8601(w));
  ExpectWellFormed(result->run_id, result->plan, 30, kNatural);
}

TEST_F(SchedulerTest, LabgrownFeedCountsOnlyLabgrownOffers) {
  auto scheduler = MakeScheduler({{"FEED", "labgrown"}});
  ASSERT_NE(scheduler, nullptr);
  auto result = scheduler->Run({});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(static_cast<int64_t>(labgrown_->size()), kLabgrown);
  // At most floor(2,000 / 1,000) partitions, each with at least 1,000 offers.
  EXPECT_LE(result->plan.partitions.size(), 2u);
  for (const auto& p : result->plan.partitions) EXPECT_GE(p.expected_records, 1000);
  ExpectWellFormed(result->run_id, result->plan, 30, kLabgrown);
  EXPECT_EQ(result->run_id.rfind("labgrown-", 0), 0u) << result->run_id;
  std::vector<PartitionRow> parts = ReadPartitions(*conn_, result->run_id);
  for (const auto& row : *labgrown_) EXPECT_FALSE(PartitionsHolding(parts, row.price_cents).empty());
}

TEST_F(SchedulerTest, SeedHeatmapObeysTheSameRules) {
  auto scheduler = MakeScheduler({{"HEATMAP", "seed"}});
  ASSERT_NE(scheduler, nullptr);
  auto result = scheduler->Run({});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->plan.algorithm, "seed");
  ExpectWellFormed(result->run_id, result->plan, 30, kNatural);
  std::vector<PartitionRow> parts = ReadPartitions(*conn_, result->run_id);
  for (const auto& row : *natural_) EXPECT_FALSE(PartitionsHolding(parts, row.price_cents).empty());
}

TEST_F(SchedulerTest, RefusesWhileARunIsInFlightUnlessForced) {
  auto scheduler = MakeScheduler();
  ASSERT_NE(scheduler, nullptr);
  auto first = scheduler->Run({});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = scheduler->Run({});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kConflict);
  EXPECT_NE(second.status().message().find(first->run_id), std::string::npos) << second.status().message();
  EXPECT_EQ(CountRows(*conn_, "run_metadata"), 1);

  ScheduleRequest forced;
  forced.force = true;
  auto third = scheduler->Run(forced);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_NE(third->run_id, first->run_id);
  EXPECT_EQ(CountRows(*conn_, "run_metadata"), 2);
  EXPECT_EQ(CountRows(*conn_, "queue_messages"),
            static_cast<int64_t>(first->plan.partitions.size() + third->plan.partitions.size()));
}

TEST_F(SchedulerTest, SecondSchedulerFailsWhileTheLockIsHeld) {
  auto scheduler = MakeScheduler();
  ASSERT_NE(scheduler, nullptr);
  auto holder = db_->Connect();
  auto locked = holder->Exec("SELECT pg_try_advisory_lock($1::bigint)", {pg::P(kSchedulerLockKey)});
  ASSERT_TRUE(locked.ok() && locked->GetBool(0, 0));
  auto result = scheduler->Run({});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kConflict);
  EXPECT_EQ(result.status().message(), "another scheduler is running");
  EXPECT_EQ(CountRows(*conn_, "run_metadata"), 0);

  ASSERT_TRUE(holder->Exec("SELECT pg_advisory_unlock($1::bigint)", {pg::P(kSchedulerLockKey)}).ok());
  auto retried = scheduler->Run({});
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  // The lock went with the scheduler's connection: a new pass can take it again.
  ScheduleRequest forced;
  forced.force = true;
  EXPECT_TRUE(scheduler->Run(forced).ok());
}

TEST_F(SchedulerTest, DryRunWritesNothing) {
  auto scheduler = MakeScheduler();
  ASSERT_NE(scheduler, nullptr);
  ScheduleRequest request;
  request.dry_run = true;
  auto result = scheduler->Run(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->outcome, ScheduleOutcome::kDryRun);
  EXPECT_EQ(result->plan.total_records, kNatural);
  EXPECT_GT(result->plan.count_queries, 0);
  for (const char* table : {"run_metadata", "partition_runs", "partition_progress", "queue_messages", "queue_dedup"}) {
    EXPECT_EQ(CountRows(*conn_, table), 0) << table;
  }
}

// MakeCountBatchFn: the batch's queries really run IN_FLIGHT at a time, and
// the counts come back in the order of the ranges. Each query is held 300 ms by
// the simulator, so queries sent together overlap there: the simulator's
// concurrency counter, not a stopwatch, shows they were sent together.
TEST(CountBatchTest, RunsTheBatchConcurrentlyInOrder) {
  auto sim =
      SimProcess::Start({"--natural", "3000", "--labgrown", "0", "--latency-base-ms", "300", "--log-level", "warn"});
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  nivoda::ClientOptions options;
  options.endpoint = (*sim)->endpoint();
  options.username = SimProcess::kUsername;
  options.password = SimProcess::kPassword;
  options.retry.max_attempts = 1;
  auto client = nivoda::NivodaClient::Create(options);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->Authenticate().ok());
  ASSERT_TRUE((*sim)->ResetCounters().ok());

  plan::CountBatchFn count =
      MakeCountBatchFn(client->get(), RunBaseQuery(Feed::kNatural, std::nullopt, "2026-02-12T19:01:13.001Z"), 4);
  std::vector<plan::PriceRange> ranges = {
      {0, 499},          {500, 999}, {1000, 1999},          {2000, 4999}, {5000, std::nullopt},
      {0, std::nullopt}, {0, 0},     {250000, std::nullopt}};
  auto counts = count(ranges);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  ASSERT_EQ(counts->size(), ranges.size());

  auto dump = (*sim)->Dump("natural");
  ASSERT_TRUE(dump.ok());
  for (size_t i = 0; i < ranges.size(); ++i) {
    int64_t expected = 0;
    for (const auto& row : *dump) {
      expected += row.price_cents >= ranges[i].from_dollars * 100 &&
                  (!ranges[i].to_dollars || row.price_cents <= *ranges[i].to_dollars * 100);
    }
    EXPECT_EQ((*counts)[i], expected) << "range " << i;
  }
  EXPECT_EQ((*counts)[5], 3000);
  auto counters = (*sim)->Counters();
  ASSERT_TRUE(counters.ok());
  // Eight queries, each sent once, four at a time: several in flight together
  // (about two waves, not eight one after another), never more than IN_FLIGHT.
  EXPECT_EQ(counters->requests, 8);
  EXPECT_GE(counters->peak_concurrent, 3);
  EXPECT_LE(counters->peak_concurrent, 4);
}

TEST(CountBatchTest, ReturnsTheFirstError) {
  nivoda::ClientOptions options;
  options.endpoint = "http://127.0.0.1:1/api/diamonds";
  options.username = "u";
  options.password = "password";
  options.retry.max_attempts = 1;
  auto client = nivoda::NivodaClient::Create(options);
  ASSERT_TRUE(client.ok());
  plan::CountBatchFn count =
      MakeCountBatchFn(client->get(), RunBaseQuery(Feed::kNatural, std::nullopt, "2026-02-12T19:01:13.001Z"), 3);
  auto counts = count({{0, 10}, {11, 20}, {21, std::nullopt}});
  ASSERT_FALSE(counts.ok());
  EXPECT_EQ(counts.status().code(), Code::kUnavailable) << counts.status().ToString();
}

TEST(SchedulerUnitTest, RunIdNamesFeedAndUtcTime) {
  WallTime t;
  ASSERT_TRUE(ParseIso8601("2026-02-12T19:01:13.001Z", &t));
  const std::string id = MakeRunId(Feed::kNatural, t);
  ASSERT_EQ(id.size(), std::string("natural-20260212T190113Z-0000").size()) << id;
  EXPECT_EQ(id.substr(0, 25), "natural-20260212T190113Z-");
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 25), std::string::npos) << id;
  EXPECT_EQ(MakeRunId(Feed::kLabgrown, t).substr(0, 9), "labgrown-");
}

TEST(SchedulerUnitTest, BaseQueryCarriesFeedAndWindow) {
  nivoda::DiamondQuery full = RunBaseQuery(Feed::kNatural, std::nullopt, "2026-02-12T19:01:13.001Z");
  EXPECT_EQ(full.labgrown, false);
  // A full run counts its snapshot: everything not updated since its start.
  ASSERT_TRUE(full.updated.has_value());
  EXPECT_FALSE(full.updated->from.has_value());
  EXPECT_EQ(full.updated->to, "2026-02-12T19:01:13.001Z");
  nivoda::DiamondQuery inc = RunBaseQuery(Feed::kLabgrown, "2026-02-12T18:00:00.000Z", "2026-02-12T19:01:13.001Z");
  EXPECT_EQ(inc.labgrown, true);
  ASSERT_TRUE(inc.updated.has_value());
  EXPECT_EQ(inc.updated->from, "2026-02-12T18:00:00.000Z");
  EXPECT_EQ(inc.updated->to, "2026-02-12T19:01:13.001Z");
  EXPECT_FALSE(inc.dollar_value.has_value());
}

}  // namespace
}  // namespace di::testing
