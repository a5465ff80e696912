// The pending notes (raw_pending, sql/019): what a consolidation lists. A raw
// row gets a note when its payload is new or changed, and loses it once that
// payload is in `diamonds` (or recorded as failing to map), so an unchanged
// run lists nothing and writes nothing.
#include <gtest/gtest.h>

#include "consolidate/batch.h"
#include "consolidate_support.h"
#include "roles/consolidator.h"

namespace di {
namespace {

using testing::ConsolidationEnv;
using testing::MustConsolidate;
using testing::Stones;

TEST(PendingNotes, AnUnchangedFullRunListsNothingAndWritesNoDiamond) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z");
  auto stones = Stones(20);
  stones[4].bad = true;
  env.WriteRaw("r1", stones);
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_pending"), 20);
  Consolidator c = env.MakeConsolidator(nullptr, 7, 2);
  MustConsolidate(c, "r1");
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_pending"), 0) << "mapped and failed payloads are settled";
  const std::string before = env.Scalar("SELECT string_agg(xmin::text, ',' ORDER BY id) FROM diamonds");

  env.CreateRun("r2", "full", 1, 1, 0, "2026-02-11T00:00:00.000Z");
  env.WriteRaw("r2", stones);
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_pending"), 0) << "the same payloads are not noted";
  const ConsolidationReport report = MustConsolidate(c, "r2");
  EXPECT_EQ(report.stats.mapped, 0);
  EXPECT_EQ(report.stats.failed, 0);
  EXPECT_EQ(env.RunStatus("r2"), "completed");
  EXPECT_EQ(env.Scalar("SELECT string_agg(xmin::text, ',' ORDER BY id) FROM diamonds"), before)
      << "no diamonds row rewritten";
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE status = 'active'"), 19) << "nothing soft-deleted";
}

// A payload changed and changed back before a consolidation: its note names
// the payload `diamonds` holds; the claim finds nothing to map and the note
// is settled (the consolidation ends, nothing written).
TEST(PendingNotes, APayloadChangedBackIsSettledWithoutAWrite) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z");
  auto stones = Stones(10);
  env.WriteRaw("r1", stones);
  Consolidator c = env.MakeConsolidator(nullptr, 4, 2);
  MustConsolidate(c, "r1");

  env.CreateRun("r2", "incremental", 1, 1, 0, "2026-02-11T00:00:00.000Z");
  auto changed = stones;
  for (auto& s : changed) s.color = "D";
  env.WriteRaw("r2", changed);
  env.WriteRaw("r2", stones);
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_pending"), 10);
  const ConsolidationReport report = MustConsolidate(c, "r2");
  EXPECT_EQ(report.stats.mapped, 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_pending"), 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE color = 'D'"), 0);
  EXPECT_EQ(env.RunStatus("r2"), "completed");
}

// A changed payload is noted with its hash and consolidated; a stone whose
// raw row is gone loses its note.
TEST(PendingNotes, NotesFollowTheRawRows) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z");
  auto stones = Stones(6);
  env.WriteRaw("r1", stones);
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_pending p JOIN raw_diamonds_nivoda r USING (supplier_stone_id)"
                      " WHERE p.payload_hash = r.payload_hash AND p.feed = 'natural'"),
            6);
  ASSERT_TRUE(env.conn->Exec("DELETE FROM raw_diamonds_nivoda WHERE supplier_stone_id = 's-005'").ok());
  Consolidator c = env.MakeConsolidator(nullptr, 100, 1);
  MustConsolidate(c, "r1");
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_pending"), 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds"), 5);

  env.CreateRun("r2", "incremental", 1, 1, 0, "2026-02-11T00:00:00.000Z");
  stones[1].price_cents = 777700;
  env.WriteRaw("r2", {stones[1]});
  EXPECT_EQ(env.Scalar("SELECT supplier_stone_id FROM raw_pending"), "s-001");
  EXPECT_EQ(MustConsolidate(c, "r2").stats.updated, 1);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE price_cents = 777700"), 1);
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_pending"), 0);
}

// The claim reads the listed notes by tuple id: a note rewritten after the
// listing (its payload changed) has moved, is not claimed with the old
// listing, and stays with its new hash; the next listing consolidates it.
TEST(PendingNotes, ANoteRewrittenAfterTheListingWaitsForTheNextListing) {
  ConsolidationEnv env;
  env.CreateRun("r1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z");
  auto stones = Stones(4);
  env.WriteRaw("r1", stones);
  auto listed = consolidate::ListUnconsolidated(*env.conn, "natural");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 4u);
  stones[2].price_cents = 424200;
  env.WriteRaw("r1", {stones[2]});
  const std::string new_hash = env.Scalar("SELECT payload_hash FROM raw_pending WHERE supplier_stone_id = 's-002'");

  auto batch = consolidate::ConsolidateListed(*env.conn, "natural", "r1", *listed, 0, listed->size());
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->claimed, 3);
  EXPECT_EQ(env.Scalar("SELECT string_agg(supplier_stone_id || ':' || payload_hash, ',') FROM raw_pending"),
            "s-002:" + new_hash);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE supplier_stone_id = 's-002'"), 0);

  auto again = consolidate::ListUnconsolidated(*env.conn, "natural");
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  auto second = consolidate::ConsolidateListed(*env.conn, "natural", "r1", *again, 0, again->size());
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->mapped, 1);
  EXPECT_EQ(env.Count("SELECT count(*) FROM raw_pending"), 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE supplier_stone_id = 's-002' AND price_cents = 424200"), 1);
}

}  // namespace
}  // namespace di
