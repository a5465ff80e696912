// The consolidator against the suite's PostgreSQL: runs in every state, raw
// offers written the way the worker writes them, the queue and watermark of
// the embedded backends (or a failing watermark store).
#include "roles/consolidator.h"

#include <gtest/gtest.h>

#include <thread>

#include "consolidate/batch.h"
#include "consolidate/run_store.h"
#include "consolidate_support.h"
#include "queue/messages.h"

namespace di {
namespace {

using testing::ConsolidationEnv;
using testing::MustConsolidate;
using testing::Stone;
using testing::Stones;

void SendConsolidate(ConsolidationEnv& env, const std::string& body) {
  ASSERT_TRUE(env.queue->Send({queue::kConsolidate, body, std::nullopt, std::nullopt}).ok());
}

// Receives one consolidation message and hands it to C.
void HandleOne(ConsolidationEnv& env, Consolidator& c) {
  auto m = env.queue->Receive(queue::kConsolidate, Millis(2000));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_TRUE(m->has_value()) << "no consolidation message";
  std::atomic<bool> stop{false};
  c.Handle(**m, stop);
}

TEST(Consolidator, EndToEndFullRun) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 3, 3, 0, "2026-02-10T12:00:00.000Z");
  auto stones = Stones(25);
  stones[7].bad = true;
  env.WriteRaw("r1", stones);
  Consolidator c = env.MakeConsolidator();

  ConsolidationReport report = MustConsolidate(c, "r1");
  EXPECT_EQ(report.outcome, ConsolidationOutcome::kCompleted) << report.reason;
  EXPECT_TRUE(report.soft_delete);
  EXPECT_TRUE(report.watermark_advanced);
  EXPECT_GE(report.batches, 4);  // 25 rows in batches of 7
  EXPECT_EQ(report.stats.seen, 25);
  EXPECT_EQ(report.stats.mapped, 24);
  EXPECT_EQ(report.stats.inserted, 24);
  EXPECT_EQ(report.stats.failed, 1);
  EXPECT_EQ(report.stats.changed, 25);
  EXPECT_EQ(report.stats.unchanged, 0);
  EXPECT_EQ(report.stats.deleted, 0);

  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE status = 'active' AND last_run_id = 'r1'"), 24);
  EXPECT_EQ(env.Scalar("SELECT reason FROM consolidation_failures WHERE run_id = 'r1' AND supplier_stone_id = 's-007'"),
            "carats must be > 0: 0");
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_consolidation_state WHERE NOT consolidated"), 0);
  // Spot checks of the mapping through the database.
  EXPECT_EQ(
      env.Scalar("SELECT concat_ws('|', price_cents, carats, price_per_carat_cents, availability, availability_raw,"
                 " color, shape, lab_grown, eye_clean, source_updated_at AT TIME ZONE 'UTC')"
                 " FROM diamonds WHERE supplier_stone_id = 's-001'"),
      "100100|0.51|196275|on_hold|ON HOLD|G|ROUND|f|t|2026-02-01 00:00:00");
  EXPECT_EQ(env.Scalar("SELECT availability FROM diamonds WHERE supplier_stone_id = 's-002'"), "unavailable");
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds d JOIN raw_diamonds_nivoda r USING (supplier_stone_id)"
                      " WHERE d.payload_hash = r.payload_hash"),
            24);
  // The run: completed, with its consolidation recorded; the watermark moved.
  EXPECT_EQ(env.RunStatus("r1"), "completed");
  EXPECT_EQ(env.Count("SELECT count(*) FROM run_metadata WHERE run_id = 'r1' AND consolidation_started_at IS NOT NULL"
                      " AND consolidation_completed_at >= consolidation_started_at"
                      " AND (consolidation_stats->>'mapped')::int = 24 AND watermark_after = updated_to"),
            1);
  EXPECT_EQ(env.Watermark(), std::optional<std::string>("2026-02-10T12:00:00.000Z"));
  EXPECT_EQ(env.Scalar("SELECT last_run_id FROM watermarks WHERE feed = 'natural'"), "r1");
}

// A completed run is followed by the retention pass: an old ended run goes,
// the run just consolidated and a run in flight stay.
TEST(Consolidator, PrunesHistoryAfterACompletedRun) {
  ConsolidationEnv env;
  env.CreateRun("old", "incremental", 1, 1, 0);
  env.CreateRun("old-running", "incremental", 1, 0, 0);
  ASSERT_TRUE(env.conn
                  ->Exec("UPDATE run_metadata SET started_at = now() - interval '100 days',"
                         " status = CASE run_id WHEN 'old' THEN 'completed' ELSE 'running' END")
                  .ok());
  env.CreateRun("r1", "full", 2, 2, 0);
  env.WriteRaw("r1", Stones(10));
  RetentionPolicy policy;
  policy.keep_runs = 1;
  Consolidator c = env.MakeConsolidator(nullptr, 7, 2, policy);
  MustConsolidate(c, "r1");
  EXPECT_EQ(env.RunStatus("r1"), "completed");
  EXPECT_EQ(env.Count("SELECT count(*) FROM run_metadata WHERE run_id = 'old'"), 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM partition_runs WHERE run_id = 'old'"), 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM run_metadata WHERE run_id IN ('r1', 'old-running')"), 2);
  // Without a policy nothing is pruned.
  env.CreateRun("old2", "incremental", 1, 1, 0);
  env.CreateRun("r2", "full", 1, 1, 0);
  ASSERT_TRUE(env.conn
                  ->Exec("UPDATE run_metadata SET started_at = now() - interval '100 days',"
                         " status = 'completed' WHERE run_id = 'old2'")
                  .ok());
  env.WriteRaw("r2", Stones(10));
  Consolidator plain = env.MakeConsolidator();
  MustConsolidate(plain, "r2");
  EXPECT_EQ(env.Count("SELECT count(*) FROM run_metadata WHERE run_id = 'old2'"), 1);
}

TEST(Consolidator, SecondPassAndDuplicateMessagesChangeNothing) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 2, 2, 0);
  env.WriteRaw("r1", Stones(20));
  Consolidator c = env.MakeConsolidator();
  SendConsolidate(env, queue::EncodeConsolidate({"r1", false}));
  SendConsolidate(env, queue::EncodeConsolidate({"r1", false}));
  HandleOne(env, c);
  const std::string snapshot = env.DiamondsSnapshot();
  const std::string stats = env.Scalar("SELECT consolidation_stats::text FROM run_metadata WHERE run_id = 'r1'");
  HandleOne(env, c);
  ConsolidationReport again = MustConsolidate(c, "r1");

  EXPECT_EQ(again.outcome, ConsolidationOutcome::kAlreadyCompleted);
  EXPECT_EQ(c.counters().completed, 1);
  EXPECT_EQ(c.counters().duplicates, 1);
  EXPECT_EQ(env.DiamondsSnapshot(), snapshot);
  EXPECT_EQ(env.Scalar("SELECT consolidation_stats::text FROM run_metadata WHERE run_id = 'r1'"), stats);
  EXPECT_EQ(env.Count("SELECT count(*) FROM queue_messages"), 0);  // both completed
  EXPECT_EQ(env.Count("SELECT count(*) FROM queue_dead_letters"), 0);
}

// A consolidator that died after two batches, then a full pass: the same
// diamonds and counts as one clean pass over the same data.
TEST(Consolidator, CrashHalfWayThenRetryEqualsCleanPass) {
  auto stones = Stones(30);
  stones[3].bad = true;
  ConsolidationEnv clean;
  clean.CreateRun("r1", "full", 1, 1, 0);
  clean.WriteRaw("r1", stones);
  Consolidator clean_c = clean.MakeConsolidator();
  MustConsolidate(clean_c, "r1");

  ConsolidationEnv crashed;
  crashed.CreateRun("r1", "full", 1, 1, 0);
  crashed.WriteRaw("r1", stones);
  ASSERT_TRUE(consolidate::BeginConsolidation(*crashed.conn, "r1", false).ok());
  for (int i = 0; i < 2; ++i) {
    auto b = consolidate::ConsolidateBatch(*crashed.conn, "natural", "r1", 7);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(b->claimed, 7);
  }
  EXPECT_EQ(crashed.Count("SELECT count(*) FROM raw_consolidation_state WHERE consolidated"), 14);
  EXPECT_EQ(crashed.RunStatus("r1"), "consolidating");
  EXPECT_FALSE(crashed.Watermark().has_value());
  Consolidator c = crashed.MakeConsolidator();
  ConsolidationReport report = MustConsolidate(c, "r1");

  EXPECT_EQ(report.outcome, ConsolidationOutcome::kCompleted);
  EXPECT_EQ(crashed.DiamondsSnapshot(), clean.DiamondsSnapshot());
  const std::string stats = "SELECT consolidation_stats::text FROM run_metadata WHERE run_id = 'r1'";
  EXPECT_EQ(crashed.Scalar(stats), clean.Scalar(stats));
  EXPECT_EQ(report.stats.mapped, 29);
  EXPECT_EQ(report.stats.failed, 1);
  EXPECT_EQ(crashed.Count("SELECT count(*) FROM consolidation_failures"), 1);
}

TEST(Consolidator, ChangedPayloadUpdatesEveryChangedField) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z");
  auto stones = Stones(3);
  env.WriteRaw("r1", stones);
  Consolidator c = env.MakeConsolidator();
  MustConsolidate(c, "r1");
  const std::string before = env.Scalar("SELECT updated_at::text FROM diamonds WHERE supplier_stone_id = 's-001'");

  env.CreateRun("r2", "incremental", 1, 1, 0, "2026-02-11T00:00:00.000Z");
  Stone changed = stones[0];
  changed.price_cents = 250000;
  changed.color = "D";
  changed.availability = "SOLD";
  changed.carats = 1.25;
  changed.updated_at = "2026-02-10T18:30:00.000Z";
  env.WriteRaw("r2", {changed, stones[1]});  // stones[1]: seen again, same payload
  ConsolidationReport report = MustConsolidate(c, "r2");

  EXPECT_EQ(report.stats.seen, 2);
  EXPECT_EQ(report.stats.changed, 1);
  EXPECT_EQ(report.stats.unchanged, 1);
  EXPECT_EQ(report.stats.updated, 1);
  EXPECT_EQ(report.stats.inserted, 0);
  EXPECT_EQ(env.Scalar("SELECT concat_ws('|', offer_id, price_cents, diamond_price_cents, markup_price_cents, carats,"
                       " price_per_carat_cents, color, availability, availability_raw, last_run_id,"
                       " source_updated_at AT TIME ZONE 'UTC')"
                       " FROM diamonds WHERE supplier_stone_id = 's-000'"),
            "offer-s-000-250000|250000|235849|250000|1.25|200000|D|sold|SOLD|r2|2026-02-10 18:30:00");
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds d JOIN raw_diamonds_nivoda r USING (supplier_stone_id)"
                      " WHERE d.supplier_stone_id = 's-000' AND d.payload_hash = r.payload_hash"),
            1);
  // Unchanged stone: its row is not written (same updated_at, the version of r1);
  // the run that saw it is its raw row's, shown by diamond_last_seen.
  EXPECT_EQ(env.Scalar("SELECT updated_at::text FROM diamonds WHERE supplier_stone_id = 's-001'"), before);
  EXPECT_EQ(env.Scalar("SELECT last_run_id FROM diamonds WHERE supplier_stone_id = 's-001'"), "r1");
  EXPECT_EQ(env.Scalar("SELECT last_seen_run_id FROM diamond_last_seen WHERE supplier_stone_id = 's-001'"), "r2");
  EXPECT_EQ(env.Scalar("SELECT last_run_id FROM diamonds WHERE supplier_stone_id = 's-002'"), "r1");
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE status = 'deleted'"), 0);  // incremental: no delete
}

TEST(Consolidator, SoftDeleteAfterCompleteFullRunAndUndeleteOnReturn) {
  ConsolidationEnv env;
  auto stones = Stones(5);
  env.CreateRun("r1", "full", 2, 2, 0, "2026-02-10T00:00:00.000Z");
  env.WriteRaw("r1", stones);
  Consolidator c = env.MakeConsolidator();
  MustConsolidate(c, "r1");
  env.Scalar("UPDATE run_metadata SET status = 'completed' WHERE run_id = 'r1' RETURNING 1");

  // A row's version (xmin, ctid) changes with every write of it.
  const std::string kVersions =
      "SELECT string_agg(xmin::text || ctid::text, ',' ORDER BY supplier_stone_id) FROM diamonds"
      " WHERE supplier_stone_id IN ('s-000', 's-001', 's-002')";
  const std::string seen_before = env.Scalar(kVersions);
  env.CreateRun("r2", "full", 2, 2, 0, "2026-02-11T00:00:00.000Z");
  env.WriteRaw("r2", {stones[0], stones[1], stones[2]});
  ConsolidationReport r2 = MustConsolidate(c, "r2");
  EXPECT_EQ(env.Scalar(kVersions), seen_before) << "the rows of the stones seen unchanged are not written";
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamond_last_seen WHERE last_seen_run_id = 'r2'"), 3);
  EXPECT_EQ(r2.stats.deleted, 2);
  EXPECT_EQ(r2.stats.unchanged, 3);
  EXPECT_EQ(env.Scalar("SELECT string_agg(supplier_stone_id, ',' ORDER BY supplier_stone_id) FROM diamonds"
                       " WHERE status = 'deleted' AND deleted_at IS NOT NULL"),
            "s-003,s-004");
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE status = 'active' AND deleted_at IS NULL"), 3);

  // s-003 comes back with the very same payload: undeleted, not re-mapped.
  env.CreateRun("r3", "full", 1, 1, 0, "2026-02-12T00:00:00.000Z");
  env.WriteRaw("r3", {stones[0], stones[1], stones[2], stones[3]});
  ConsolidationReport r3 = MustConsolidate(c, "r3");
  EXPECT_EQ(r3.stats.undeleted, 1);
  EXPECT_EQ(r3.stats.deleted, 0);  // s-004 was already deleted
  EXPECT_EQ(r3.stats.mapped, 0);
  EXPECT_EQ(env.Scalar("SELECT concat_ws('|', status, deleted_at IS NULL, last_run_id) FROM diamonds"
                       " WHERE supplier_stone_id = 's-003'"),
            "active|t|r3");
  EXPECT_EQ(env.Scalar("SELECT status FROM diamonds WHERE supplier_stone_id = 's-004'"), "deleted");
  EXPECT_EQ(env.Watermark(), std::optional<std::string>("2026-02-12T00:00:00.000Z"));
}

TEST(Consolidator, NoSoftDeleteOnIncrementalRuns) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z");
  env.WriteRaw("r1", Stones(5));
  Consolidator c = env.MakeConsolidator();
  MustConsolidate(c, "r1");
  env.CreateRun("r2", "incremental", 1, 1, 0, "2026-02-11T00:00:00.000Z");
  env.WriteRaw("r2", {Stones(1)[0]});
  ConsolidationReport r2 = MustConsolidate(c, "r2");
  EXPECT_FALSE(r2.soft_delete);
  EXPECT_EQ(r2.stats.deleted, 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE status = 'active'"), 5);
  EXPECT_EQ(env.Watermark(), std::optional<std::string>("2026-02-11T00:00:00.000Z"));
}

TEST(Consolidator, ForcedRunConsolidatesButDeletesNothingAndKeepsTheWatermark) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z");
  env.WriteRaw("r1", Stones(5));
  Consolidator c = env.MakeConsolidator();
  MustConsolidate(c, "r1");

  env.CreateRun("r2", "full", 4, 3, 1, "2026-02-11T00:00:00.000Z");
  auto seen = Stones(2);
  seen[0].price_cents = 777700;
  env.WriteRaw("r2", seen);
  // Without force: refused (dead-lettered), nothing changes.
  SendConsolidate(env, queue::EncodeConsolidate({"r2", false}));
  HandleOne(env, c);
  EXPECT_EQ(env.Scalar("SELECT reason FROM queue_dead_letters"), "ConsolidationRefused");
  EXPECT_EQ(env.Scalar("SELECT price_cents FROM diamonds WHERE supplier_stone_id = 's-000'"), "100000");
  EXPECT_EQ(env.RunStatus("r2"), "running");

  SendConsolidate(env, queue::EncodeConsolidate({"r2", true}));
  HandleOne(env, c);
  EXPECT_EQ(env.RunStatus("r2"), "completed");
  EXPECT_EQ(env.Scalar("SELECT price_cents FROM diamonds WHERE supplier_stone_id = 's-000'"), "777700");
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE status = 'deleted'"), 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM run_metadata WHERE run_id = 'r2' AND consolidation_forced"), 1);
  EXPECT_EQ(env.Watermark(), std::optional<std::string>("2026-02-10T00:00:00.000Z"));  // r1's, not r2's
}

TEST(Consolidator, RefusesWhilePartitionsAreInProgress) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 3, 2, 0);  // partition 2 pending
  env.SetPartitionStatus("r1", 1, "running");
  env.WriteRaw("r1", Stones(4));
  Consolidator c = env.MakeConsolidator();
  ConsolidationReport report = MustConsolidate(c, "r1");
  EXPECT_EQ(report.outcome, ConsolidationOutcome::kNotReady);
  EXPECT_NE(report.reason.find("2 in progress"), std::string::npos) << report.reason;

  SendConsolidate(env, queue::EncodeConsolidate({"r1", true}));  // force does not override in-progress
  HandleOne(env, c);
  EXPECT_EQ(c.counters().not_ready, 1);
  // Abandoned with a delay: still queued, invisible for a while, not dead-lettered.
  EXPECT_EQ(env.Count("SELECT count(*) FROM queue_messages WHERE visible_at > now() + interval '2 seconds'"), 1);
  EXPECT_EQ(env.Count("SELECT count(*) FROM queue_dead_letters"), 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds"), 0);
  EXPECT_EQ(env.RunStatus("r1"), "running");
  EXPECT_FALSE(env.Watermark().has_value());
}

TEST(Consolidator, WatermarkStoreFailureLeavesRunConsolidatingAndRetries) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z");
  env.WriteRaw("r1", Stones(6));
  auto failing = std::make_shared<testing::FailingWatermarkStore>();
  Consolidator broken = env.MakeConsolidator(failing);
  SendConsolidate(env, queue::EncodeConsolidate({"r1", false}));
  HandleOne(env, broken);

  EXPECT_EQ(failing->attempts, 1);
  EXPECT_EQ(env.alerts->Count("consolidation_failed"), 1);
  EXPECT_EQ(env.RunStatus("r1"), "consolidating");
  EXPECT_FALSE(env.Watermark().has_value());
  EXPECT_EQ(env.Count("SELECT count(*) FROM queue_messages WHERE delivery_count = 1 AND visible_at > now()"), 1);
  EXPECT_EQ(env.Count("SELECT count(*) FROM queue_dead_letters"), 0);

  // The retry (here by hand, with the store back) completes without re-mapping.
  Consolidator fixed = env.MakeConsolidator();
  ConsolidationReport report = MustConsolidate(fixed, "r1");
  EXPECT_EQ(report.outcome, ConsolidationOutcome::kCompleted);
  EXPECT_EQ(report.batches, 0);
  EXPECT_EQ(report.stats.mapped, 6);
  EXPECT_EQ(env.Watermark(), std::optional<std::string>("2026-02-10T00:00:00.000Z"));
}

// A database error in the middle of the batches (a trigger rejects one stone):
// no watermark, run still consolidating; once fixed, a retry ends like a clean pass.
TEST(Consolidator, FailingBatchKeepsWatermarkAndRetryCompletes) {
  auto stones = Stones(30);
  ConsolidationEnv clean;
  clean.CreateRun("r1", "full", 1, 1, 0);
  clean.WriteRaw("r1", stones);
  Consolidator clean_c = clean.MakeConsolidator();
  MustConsolidate(clean_c, "r1");

  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0);
  env.WriteRaw("r1", stones);
  ASSERT_TRUE(
      env.conn
          ->ExecScript("CREATE FUNCTION reject_stone() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                       " IF NEW.supplier_stone_id = 's-020' THEN RAISE EXCEPTION 'injected failure'; END IF;"
                       " RETURN NEW; END $$;"
                       "CREATE TRIGGER reject BEFORE INSERT ON diamonds FOR EACH ROW EXECUTE FUNCTION reject_stone();")
          .ok());
  Consolidator c = env.MakeConsolidator(nullptr, 7, 1);
  auto failed = c.ConsolidateRun("r1", false);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("injected failure"), std::string::npos) << failed.status().ToString();
  EXPECT_EQ(env.RunStatus("r1"), "consolidating");
  EXPECT_FALSE(env.Watermark().has_value());
  EXPECT_EQ(
      env.Count("SELECT count(*) FROM raw_consolidation_state WHERE supplier_stone_id = 's-020' AND consolidated"), 0);

  ASSERT_TRUE(env.conn->ExecScript("DROP TRIGGER reject ON diamonds").ok());
  ConsolidationReport report = MustConsolidate(c, "r1");
  EXPECT_EQ(report.outcome, ConsolidationOutcome::kCompleted);
  EXPECT_EQ(env.DiamondsSnapshot(), clean.DiamondsSnapshot());
  const std::string stats = "SELECT consolidation_stats::text FROM run_metadata WHERE run_id = 'r1'";
  EXPECT_EQ(env.Scalar(stats), clean.Scalar(stats));
  EXPECT_TRUE(env.Watermark().has_value());
}

TEST(Consolidator, MalformedAndUnknownRunMessagesAreDeadLettered) {
  ConsolidationEnv env;
  Consolidator c = env.MakeConsolidator();
  SendConsolidate(env, "{\"force\": true}");
  HandleOne(env, c);
  SendConsolidate(env, queue::EncodeConsolidate({"no-such-run", false}));
  HandleOne(env, c);
  EXPECT_EQ(env.Scalar("SELECT string_agg(reason, ',' ORDER BY id) FROM queue_dead_letters"),
            "MalformedConsolidateMessage,UnknownRun");
  EXPECT_NE(env.Scalar("SELECT description FROM queue_dead_letters WHERE reason = 'UnknownRun'").find("no-such-run"),
            std::string::npos);
  EXPECT_EQ(env.Count("SELECT count(*) FROM queue_messages"), 0);
  EXPECT_EQ(c.counters().dead_lettered, 2);
  EXPECT_EQ(env.alerts->Count("dead_letter"), 2);
}

// Two consolidators (two processes' worth) on one run: every row mapped once.
TEST(Consolidator, SeveralConsolidatorsShareARun) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0);
  env.WriteRaw("r1", Stones(300));
  Consolidator a = env.MakeConsolidator(nullptr, 5, 2);
  Consolidator b = env.MakeConsolidator(nullptr, 5, 2);
  auto [ra, rb] = testing::ConsolidateAtOnce(a, b, "r1");
  ASSERT_TRUE(ra.ok()) << ra.status().ToString();
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  // 300 rows in batches of 5: at least 60 batches (the last ones of a loop may
  // be short when the other loops took the rest), each row processed once.
  EXPECT_GE(ra->batches + rb->batches, 60);
  EXPECT_EQ(env.Count("SELECT (consolidation_stats->>'changed')::int FROM run_metadata WHERE run_id = 'r1'"), 300);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds"), 300);
  EXPECT_EQ(env.Count("SELECT (consolidation_stats->>'mapped')::int FROM run_metadata WHERE run_id = 'r1'"), 300);
  EXPECT_EQ(env.RunStatus("r1"), "completed");
}

// Stone ids travel in a text[] literal: quotes, backslashes, commas and braces.
TEST(Consolidator, OddStoneIdsAreClaimedAndMapped) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0);
  auto stones = Stones(4);
  stones[0].id = "a\"quoted\"";
  stones[1].id = "back\\slash";
  stones[2].id = "comma,{brace}";
  stones[3].id = "NULL";
  env.WriteRaw("r1", stones);
  Consolidator c = env.MakeConsolidator(nullptr, 3, 1);
  ConsolidationReport report = MustConsolidate(c, "r1");
  EXPECT_EQ(report.stats.mapped, 4);
  EXPECT_EQ(env.Scalar("SELECT string_agg(supplier_stone_id, ' ' ORDER BY supplier_stone_id) FROM diamonds"),
            "NULL a\"quoted\" back\\slash comma,{brace}");
}

TEST(Consolidator, LongRunningRoleStopsOnTheFlag) {
  ConsolidationEnv env;
  env.CreateRun("r1", "incremental", 1, 1, 0);
  env.WriteRaw("r1", Stones(3));
  Consolidator c = env.MakeConsolidator();
  SendConsolidate(env, queue::EncodeConsolidate({"r1", false}));
  std::atomic<bool> stop{false};
  std::thread role([&] { c.Run(stop); });
  for (int i = 0; i < 100 && c.counters().completed == 0; ++i) std::this_thread::sleep_for(Millis(50));
  stop = true;
  role.join();
  EXPECT_EQ(c.counters().completed, 1);
  EXPECT_EQ(env.RunStatus("r1"), "completed");
}

}  // namespace
}  // namespace di
