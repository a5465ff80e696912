// Retention (roles/retention.h): the pure choice of the runs to delete, and
// PruneHistory on a real PostgreSQL: exactly the old rows go, recent ones and
// the ones still referenced stay.
#include "roles/retention.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "store/runs.h"
#include "test_database.h"

namespace di {
namespace {

using std::chrono::hours;
constexpr hours kDay{24};

const WallTime kNow = WallTime(std::chrono::seconds(1'800'000'000));

RunFacts Facts(std::string id, std::string feed, std::string type, std::string status, int days_ago,
               bool forced = false) {
  return {std::move(id), std::move(feed), std::move(type), std::move(status), kNow - kDay * days_ago, forced};
}

TEST(RetentionPolicyTest, ZeroKeepsForever) {
  RetentionPolicy p;
  p.run_history = Millis(0);
  p.dead_letters = Millis(0);
  const RetentionCutoffs c = CutoffsAt(kNow, p);
  EXPECT_FALSE(c.runs_started_before);
  EXPECT_FALSE(c.dead_letters_before);
  ASSERT_TRUE(c.request_seconds_before);
  EXPECT_EQ(*c.request_seconds_before, kNow - kDay * 14);
}

TEST(RunsToPruneTest, OnlyOldEndedRunsThatNothingRefersTo) {
  const std::vector<RunFacts> runs = {
      Facts("n-new", "natural", "incremental", "completed", 1),          // recent
      Facts("n-complete-full", "natural", "full", "completed", 100),     // the feed's latest complete full run
      Facts("n-forced-full", "natural", "full", "completed", 99, true),  // forced: not a complete full run
      Facts("n-old-full", "natural", "full", "completed", 150),
      Facts("n-failed", "natural", "incremental", "failed", 120),
      Facts("n-cancelled", "natural", "incremental", "cancelled", 121),
      Facts("n-running", "natural", "incremental", "running", 130),       // in flight
      Facts("n-consolidating", "natural", "full", "consolidating", 131),  // in flight
      Facts("n-watermark", "natural", "incremental", "completed", 140),   // named by a watermark row
      Facts("l-only", "labgrown", "incremental", "completed", 200),       // labgrown's latest completed run
      Facts("l-old", "labgrown", "incremental", "failed", 210),
  };
  const auto due = RunsToPrune(runs, {"n-watermark"}, kNow - kDay * 90, 2);
  // Kept by count: n-new and n-forced-full (the natural feed's 2 latest), l-only and l-old.
  EXPECT_EQ(due, (std::vector<std::string>{"n-old-full", "n-failed", "n-cancelled"}));
  EXPECT_TRUE(RunsToPrune(runs, {}, std::nullopt, 2).empty());
  // With 1 run kept per feed, labgrown's failed run goes; its completed one stays.
  const auto one = RunsToPrune(runs, {}, kNow - kDay * 90, 1);
  EXPECT_NE(std::find(one.begin(), one.end(), "l-old"), one.end());
  EXPECT_EQ(std::find(one.begin(), one.end(), "l-only"), one.end());
  EXPECT_NE(std::find(one.begin(), one.end(), "n-watermark"), one.end());
  EXPECT_EQ(std::find(one.begin(), one.end(), "n-complete-full"), one.end());
}

// A full run's soft delete checks the raw rows of every run since the
// feed's latest complete full run: they stay, however old and however many.
TEST(RunsToPruneTest, EveryRunSinceTheLatestCompleteFullRunIsKept) {
  const std::vector<RunFacts> runs = {
      Facts("i1", "natural", "incremental", "completed", 91),      Facts("i2", "natural", "incremental", "failed", 92),
      Facts("f-forced", "natural", "full", "completed", 93, true), Facts("f", "natural", "full", "completed", 94),
      Facts("i0", "natural", "incremental", "completed", 95),      Facts("f-old", "natural", "full", "completed", 96)};
  EXPECT_EQ(RunsToPrune(runs, {}, kNow - kDay * 90, 1), (std::vector<std::string>{"i0", "f-old"}));
}

TEST(RunsToPruneTest, TheLatestCompletedRunIsKeptWhateverItsAge) {
  const std::vector<RunFacts> runs = {
      Facts("a", "natural", "incremental", "failed", 95), Facts("b", "natural", "incremental", "completed", 96),
      Facts("c", "natural", "full", "completed", 97), Facts("d", "natural", "full", "completed", 98)};
  EXPECT_EQ(RunsToPrune(runs, {}, kNow - kDay * 90, 1), (std::vector<std::string>{"d"}));
}

class PruneHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = db_.Connect();
    pool_ = std::make_shared<pg::Pool>(db_.url(), 2);
  }

  void Exec(const std::string& sql, const pg::Params& params = {}) {
    auto r = conn_->Exec(sql, params);
    ASSERT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  }
  int64_t Count(const std::string& sql) {
    auto r = conn_->Exec(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() ? r->GetInt64(0, 0) : -1;
  }

  // A run of FEED that started DAYS_AGO days before the database's now(),
  // with 2 partitions, a change row, an offer failure and a request tally.
  void AddRun(const std::string& id, const std::string& type, const std::string& status, int days_ago,
              const std::string& feed = "natural") {
    store::NewRun run;
    run.run_id = id;
    run.feed = feed;
    run.run_type = type;
    run.updated_to = "2026-01-01T00:00:00Z";
    std::vector<store::NewPartition> parts(2);
    parts[0].work_item_json = parts[1].work_item_json = "{}";
    parts[1].partition_id = 1;
    {
      pg::Transaction tx(*conn_);
      ASSERT_TRUE(store::InsertRun(*conn_, run, parts).ok());
      ASSERT_TRUE(tx.Commit().ok());
    }
    const std::string ago = std::to_string(days_ago);
    Exec("UPDATE run_metadata SET status = $2, started_at = now() - make_interval(days => $3::int) WHERE run_id = $1",
         {pg::P(id), pg::P(status), pg::P(ago)});
    Exec("INSERT INTO run_price_bins (run_id, bin, offers) VALUES ($1, 0, 5)", {pg::P(id)});
    Exec("INSERT INTO diamond_changes (run_id, change, supplier_stone_ids) VALUES ($1, 'added', '{s1,s2}')",
         {pg::P(id)});
    Exec("INSERT INTO raw_offer_failures (run_id, reason, raw) VALUES ($1, 'no id', '{}')", {pg::P(id)});
    Exec(
        "INSERT INTO request_seconds (run_id, second, requests)"
        " VALUES ($1, date_trunc('second', now() - make_interval(days => $2::int)), 3)",
        {pg::P(id), pg::P(ago)});
  }
  void AddDeadLetter(int days_ago, bool handled) {
    Exec(
        "INSERT INTO queue_dead_letters (queue, body, enqueued_at, delivery_count, reason, dead_lettered_at,"
        " handled_at) VALUES ('work-items', '{}', now(), 10, 'MaxDeliveryCountExceeded',"
        " now() - make_interval(days => $1::int), CASE WHEN $2::bool THEN now() END)",
        {pg::P(std::to_string(days_ago)), pg::P(handled)});
  }

  testing::TestDatabase db_ = testing::TestDatabase::Create();
  std::unique_ptr<pg::Connection> conn_;
  std::shared_ptr<pg::Pool> pool_;
};

TEST_F(PruneHistoryTest, DeletesExactlyTheOldRowsAndKeepsWhatIsReferenced) {
  // 6 old ended runs to delete (more than one batch of 4), and the ones kept.
  for (int i = 0; i < 6; ++i)
    AddRun("old-" + std::to_string(i), "incremental", i % 2 ? "failed" : "completed", 100 + i);
  AddRun("old-complete-full", "full", "completed", 95);      // the latest complete full run
  AddRun("old-running", "incremental", "running", 97);       // in flight
  AddRun("old-watermark", "incremental", "completed", 110);  // named by the watermark row
  AddRun("recent", "incremental", "completed", 10);
  AddRun("latest", "incremental", "completed", 0);
  AddRun("labgrown-old", "incremental", "completed", 300, "labgrown");  // labgrown's latest completed run
  Exec(
      "INSERT INTO watermarks (feed, last_updated_at, last_run_id, last_run_completed_at)"
      " VALUES ('natural', now(), 'old-watermark', now())");
  // request tallies of no run (a run deleted before, or a recorder late), old and recent
  Exec(
      "INSERT INTO request_seconds (run_id, second, requests) VALUES"
      " ('gone', now() - interval '20 days', 1), ('gone', now() - interval '13 days', 1)");
  AddDeadLetter(31, true);   // old, handled: deleted
  AddDeadLetter(40, true);   // old, handled: deleted
  AddDeadLetter(45, false);  // old, its consequence not applied yet: kept
  AddDeadLetter(29, true);   // recent: kept

  RetentionPolicy policy;  // defaults: 90 / 14 / 30 days
  policy.keep_runs = 2;
  policy.batch_size = 4;
  auto db_now = conn_->Exec("SELECT (extract(epoch FROM now()) * 1000)::bigint");
  ASSERT_TRUE(db_now.ok());
  auto pruned = PruneHistory(*pool_, policy, WallTime(Millis(db_now->GetInt64(0, 0))));
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_EQ(pruned->runs, 6);
  EXPECT_EQ(pruned->diamond_changes, 6);
  EXPECT_EQ(pruned->offer_failures, 6);
  EXPECT_EQ(pruned->dead_letters, 2);
  // The deleted runs' 6 tallies, then the tallies older than 14 days of runs
  // not in flight: old-complete-full, old-watermark, labgrown-old, 'gone' (20 days).
  EXPECT_EQ(pruned->request_seconds, 6 + 4);

  EXPECT_EQ(Count("SELECT count(*) FROM run_metadata WHERE run_id LIKE 'old-_'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM run_metadata"), 6);
  for (const char* table :
       {"partition_runs", "partition_progress", "run_price_bins", "diamond_changes", "raw_offer_failures"}) {
    EXPECT_EQ(Count(std::string("SELECT count(*) FROM ") + table + " WHERE run_id LIKE 'old-_'"), 0) << table;
    EXPECT_EQ(Count(std::string("SELECT count(*) FROM ") + table +
                    " t WHERE NOT EXISTS"
                    " (SELECT 1 FROM run_metadata r WHERE r.run_id = t.run_id)"),
              0)
        << table;
  }
  EXPECT_EQ(Count("SELECT count(*) FROM partition_runs"), 12);
  EXPECT_EQ(Count("SELECT count(*) FROM diamond_changes"), 6);
  // Kept: the running run's old tally, 'recent', 'latest' and the 13-day-old one.
  EXPECT_EQ(Count("SELECT count(*) FROM request_seconds"), 4);
  EXPECT_EQ(Count("SELECT count(*) FROM request_seconds WHERE run_id = 'old-running'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM queue_dead_letters"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM queue_dead_letters WHERE handled_at IS NULL"), 1);

  // A second pass finds nothing more.
  auto again = PruneHistory(*pool_, policy, WallTime(Millis(db_now->GetInt64(0, 0))));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->runs + again->request_seconds + again->dead_letters + again->diamond_changes, 0);
}

TEST_F(PruneHistoryTest, ZeroRetentionKeepsEverything) {
  AddRun("old", "incremental", "failed", 400);
  AddRun("latest", "incremental", "completed", 0);
  AddDeadLetter(400, true);
  RetentionPolicy policy;
  policy.keep_runs = 1;
  policy.run_history = policy.request_seconds = policy.dead_letters = Millis(0);
  auto pruned = PruneHistory(*pool_, policy, DefaultClock().Now());
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_EQ(Count("SELECT count(*) FROM run_metadata"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM request_seconds"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM queue_dead_letters"), 1);
}

}  // namespace
}  // namespace di
