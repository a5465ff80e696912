// Consolidators racing over the same stones. The claim locks the stones'
// pending notes (FOR UPDATE SKIP LOCKED) and tests their raw rows against
// `diamonds` in its snapshot, so a
// stone another consolidator commits after that snapshot is claimed again.
// Here "another consolidator" is a second session that writes a stone into
// `diamonds` and holds its transaction open until the consolidator's batch
// waits on it (the unique key or the row), then commits: the batch must leave
// that write alone, count nothing twice, and consolidate the rest.
#include <gtest/gtest.h>

#include <thread>

#include "consolidate_support.h"
#include "roles/consolidator.h"

namespace di {
namespace {

using testing::ConsolidationEnv;
using testing::MustConsolidate;
using testing::Stones;

// The "other consolidator": SQL run in its own open transaction, committed
// once the consolidator (ConsolidateRun in a thread) waits on it.
Result<ConsolidationReport> ConsolidateWhileAnotherCommits(ConsolidationEnv& env, Consolidator& c,
                                                           const std::string& run_id, const std::string& other_sql) {
  auto other = env.db.Connect();
  EXPECT_TRUE(other->ExecScript("BEGIN; " + other_sql).ok());
  Result<ConsolidationReport> report = Status(Code::kInternal, "not run");
  std::thread consolidating([&] { report = c.ConsolidateRun(run_id, false); });
  EXPECT_TRUE(env.db.WaitForALockWait()) << "the consolidator never waited on the other session";
  EXPECT_TRUE(other->ExecScript("COMMIT").ok());
  consolidating.join();
  return report;
}

// A stone new to `diamonds` when the batch claimed it, inserted and committed
// by another session before the batch's COPY: the batch claims again, the
// stone is consolidated by then and is left as the other session wrote it.
TEST(ConsolidationRace, NewStoneInsertedMeanwhileIsClaimedAgainAndLeftAlone) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0);
  env.WriteRaw("r1", Stones(10));
  Consolidator c = env.MakeConsolidator(nullptr, 100, 1);

  auto report = ConsolidateWhileAnotherCommits(
      env, c, "r1",
      "INSERT INTO diamonds (feed, supplier_stone_id, offer_id, color, last_run_id, payload_hash)"
      " SELECT feed, supplier_stone_id, offer_id, 'RACED', run_id, payload_hash FROM raw_diamonds_nivoda"
      " WHERE supplier_stone_id = 's-004'");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->outcome, ConsolidationOutcome::kCompleted);
  EXPECT_GE(report->raced, 1);
  EXPECT_EQ(report->stats.inserted, 9);  // s-004 is the other session's
  EXPECT_EQ(report->stats.mapped, 9);
  EXPECT_EQ(report->stats.changed, 9);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds"), 10);
  EXPECT_EQ(env.Scalar("SELECT color FROM diamonds WHERE supplier_stone_id = 's-004'"), "RACED");
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_consolidation_state WHERE NOT consolidated"), 0);
}

// A known stone whose new payload another session wrote (row locked, then
// committed) while the batch's upsert waited for it: the upsert skips it and
// counts only the rows it changed.
TEST(ConsolidationRace, UpdateWrittenMeanwhileIsSkippedAndNotCounted) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z");
  auto stones = Stones(10);
  env.WriteRaw("r1", stones);
  Consolidator c = env.MakeConsolidator(nullptr, 100, 1);
  MustConsolidate(c, "r1");

  env.CreateRun("r2", "incremental", 1, 1, 0, "2026-02-11T00:00:00.000Z");
  for (auto& s : stones) s.price_cents += 5000;
  env.WriteRaw("r2", stones);
  auto report = ConsolidateWhileAnotherCommits(
      env, c, "r2",
      "UPDATE diamonds d SET color = 'RACED', last_run_id = r.run_id, payload_hash = r.payload_hash"
      " FROM raw_diamonds_nivoda r WHERE r.supplier_stone_id = d.supplier_stone_id AND d.supplier_stone_id = 's-006'");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->raced, 1);
  EXPECT_EQ(report->stats.updated, 9);
  EXPECT_EQ(report->stats.mapped, 9);
  EXPECT_EQ(report->stats.changed, 9);
  EXPECT_EQ(env.Scalar("SELECT color FROM diamonds WHERE supplier_stone_id = 's-006'"), "RACED");
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE price_cents = 105000"), 1);  // s-000, updated
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_consolidation_state WHERE NOT consolidated"), 0);
}

// An unmappable payload whose failure another session recorded meanwhile:
// recorded once, counted once (by the other session, not here).
TEST(ConsolidationRace, FailureRecordedMeanwhileIsNotCountedTwice) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0);
  auto stones = Stones(10);
  stones[3].bad = true;
  env.WriteRaw("r1", stones);
  Consolidator c = env.MakeConsolidator(nullptr, 100, 1);

  auto report = ConsolidateWhileAnotherCommits(
      env, c, "r1",
      "INSERT INTO consolidation_failures (run_id, feed, supplier_stone_id, payload_hash, reason, raw)"
      " SELECT run_id, feed, supplier_stone_id, payload_hash, 'RACED', payload FROM raw_diamonds_nivoda"
      " WHERE supplier_stone_id = 's-003'");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->raced, 1);
  EXPECT_EQ(report->stats.failed, 0);
  EXPECT_EQ(report->stats.mapped, 9);
  EXPECT_EQ(env.Scalar("SELECT reason FROM consolidation_failures WHERE supplier_stone_id = 's-003'"), "RACED");
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_consolidation_state WHERE NOT consolidated"), 0);
}

// Two consolidators of several loops, batches of one stone, walking the same
// listing: they skip or race each other now and then; every stone is written
// once and counted once.
TEST(ConsolidationRace, ConsolidatorsWalkingTheSameListingCountEachStoneOnce) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z");
  auto stones = Stones(200);
  env.WriteRaw("r1", stones);
  env.CreateRun("r2", "full", 1, 1, 0, "2026-02-11T00:00:00.000Z");
  for (auto& s : stones) s.color = "D";
  for (const std::string run : {"r1", "r2"}) {
    if (run == "r2") env.WriteRaw("r2", stones);
    Consolidator a = env.MakeConsolidator(nullptr, 1, 3);
    Consolidator b = env.MakeConsolidator(nullptr, 1, 3);
    auto [ra, rb] = testing::ConsolidateAtOnce(a, b, run);
    ASSERT_TRUE(ra.ok()) << ra.status().ToString();
    ASSERT_TRUE(rb.ok()) << rb.status().ToString();
    const std::string stats = "SELECT (consolidation_stats->>'%s')::int FROM run_metadata WHERE run_id = '" + run + "'";
    auto stat = [&](const char* name) {
      char sql[256];
      std::snprintf(sql, sizeof sql, stats.c_str(), name);
      return env.Count(sql);
    };
    EXPECT_EQ(stat("mapped"), 200) << run;
    EXPECT_EQ(stat("changed"), 200) << run;
    EXPECT_EQ(stat(run == "r1" ? "inserted" : "updated"), 200) << run;
    EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE last_run_id = '" + run + "'"), 200) << run;
    EXPECT_EQ(env.RunStatus(run), "completed");
    std::printf("%s: %lld races between the two consolidators\n", run.c_str(),
                static_cast<long long>(ra->raced + rb->raced));
  }
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE color = 'D'"), 200);
}

// A writer (a worker of a later run) that rewrote a stone's raw row, and with
// it the stone's pending note (raw_pending, sql/019), and holds its
// transaction open while a batch settles the notes it listed: the settle
// waits on the note and, once the writer commits, finds the note naming a
// payload not in `diamonds` and keeps it; the consolidator lists it again and
// consolidates the new payload.
TEST(ConsolidationRace, PayloadWrittenWhileNotesAreSettledKeepsItsNote) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z");
  auto stones = Stones(10);
  env.WriteRaw("r1", stones);
  Consolidator c = env.MakeConsolidator(nullptr, 100, 1);
  MustConsolidate(c, "r1");
  ASSERT_EQ(env.Count("SELECT count(*) FROM raw_pending"), 0);

  // s-002 changed and changed back: its note names the payload `diamonds`
  // holds, so the settle would remove it (and waits on the writer's lock).
  env.CreateRun("r2", "incremental", 1, 1, 0, "2026-02-11T00:00:00.000Z");
  const testing::Stone original = stones[2];
  for (auto& s : stones) s.price_cents += 5000;
  env.WriteRaw("r2", stones);
  env.WriteRaw("r2", {original});
  ASSERT_EQ(env.Count("SELECT count(*) FROM raw_pending"), 10);
  auto report = ConsolidateWhileAnotherCommits(
      env, c, "r2", "UPDATE raw_diamonds_nivoda SET payload_hash = 'rewritten' WHERE supplier_stone_id = 's-002'");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(env.RunStatus("r2"), "completed");
  EXPECT_EQ(env.Scalar("SELECT payload_hash FROM diamonds WHERE supplier_stone_id = 's-002'"), "rewritten");
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_consolidation_state WHERE NOT consolidated"), 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_pending"), 0);
}

}  // namespace
}  // namespace di
