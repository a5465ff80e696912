// The soft delete of a complete full run, found from the raw rows of the runs
// since the feed's previous complete full run (consolidate/run_store.cpp,
// kSoftDeleteUnseen), and the triggers that keep every active stone's raw row
// in its feed (sql/021).
#include <gtest/gtest.h>

#include "consolidate_support.h"

namespace di {
namespace {

using testing::ConsolidationEnv;
using testing::MustConsolidate;
using testing::Stones;

constexpr const char* kDeleted =
    "SELECT coalesce(string_agg(supplier_stone_id, ',' ORDER BY supplier_stone_id), '') FROM diamonds"
    " WHERE feed = 'natural' AND status = 'deleted'";

std::string Ids(ConsolidationEnv& env, const std::string& run_id, const std::string& change) {
  return env.Scalar(
      "SELECT coalesce(string_agg(supplier_stone_id, ',' ORDER BY supplier_stone_id), '')"
      " FROM diamond_change_stones WHERE run_id = '" +
      run_id + "' AND change = '" + change + "'");
}

// Run "r1" (natural, full, complete) saw STONES and was consolidated by C.
void FirstFullRun(ConsolidationEnv& env, Consolidator& c, const std::vector<testing::Stone>& stones) {
  env.CreateRun("r1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z");
  env.WriteRaw("r1", stones);
  MustConsolidate(c, "r1");
}

// Stones last seen by incremental runs between two full runs, by the previous
// full run, or by no run since a stone came back, are deleted exactly when the
// full run did not see them; stones deleted earlier are not deleted again.
TEST(SoftDelete, TheStonesAFullRunDidNotSeeWhicheverRunLastSawThem) {
  ConsolidationEnv env;
  auto stones = Stones(10);
  Consolidator c = env.MakeConsolidator(nullptr, 4, 2);
  FirstFullRun(env, c, stones);

  env.CreateRun("r2", "incremental", 1, 1, 0, "2026-02-10T06:00:00.000Z");
  stones[3].price_cents = 333300;
  stones[3].updated_at = "2026-02-10T05:00:00.000Z";
  env.WriteRaw("r2", {stones[3]});
  EXPECT_EQ(MustConsolidate(c, "r2").stats.updated, 1);

  auto all_but = [&](std::initializer_list<int> gone) {
    std::vector<testing::Stone> out;
    for (int i = 0; i < static_cast<int>(stones.size()); ++i) {
      if (std::find(gone.begin(), gone.end(), i) == gone.end()) out.push_back(stones[i]);
    }
    return out;
  };
  // s-003 was last seen by the incremental r2, s-005 by the full r1.
  env.CreateRun("r3", "full", 1, 1, 0, "2026-02-11T00:00:00.000Z");
  env.WriteRaw("r3", all_but({3, 5}));
  EXPECT_EQ(MustConsolidate(c, "r3").stats.deleted, 2);
  EXPECT_EQ(env.Scalar(kDeleted), "s-003,s-005");
  EXPECT_EQ(Ids(env, "r3", "deleted"), "s-003,s-005");

  // s-005 comes back in an incremental run; the next full run misses s-007
  // (last seen by r3) and s-005 (last seen by r4).
  env.CreateRun("r4", "incremental", 1, 1, 0, "2026-02-11T06:00:00.000Z");
  env.WriteRaw("r4", {stones[5]});
  EXPECT_EQ(MustConsolidate(c, "r4").stats.undeleted, 1);
  env.CreateRun("r5", "full", 1, 1, 0, "2026-02-12T00:00:00.000Z");
  env.WriteRaw("r5", all_but({3, 5, 7}));
  const ConsolidationReport r5 = MustConsolidate(c, "r5");
  EXPECT_EQ(r5.stats.deleted, 2);
  EXPECT_EQ(Ids(env, "r5", "deleted"), "s-005,s-007");
  EXPECT_EQ(env.Scalar(kDeleted), "s-003,s-005,s-007");

  // Without the history of an earlier complete full run (lost, or a first
  // run), every run the feed's raw rows name is checked.
  env.Scalar("DELETE FROM run_metadata RETURNING 1");
  env.CreateRun("r6", "full", 1, 1, 0, "2026-02-13T00:00:00.000Z");
  env.WriteRaw("r6", all_but({1, 3, 5, 7}));
  EXPECT_EQ(MustConsolidate(c, "r6").stats.deleted, 1);
  EXPECT_EQ(env.Scalar(kDeleted), "s-001,s-003,s-005,s-007");
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE status = 'active'"), 6);
}

// A forced full run deletes nothing, so the next complete full run also
// checks the runs before it.
TEST(SoftDelete, AForcedFullRunDoesNotNarrowTheNextOne) {
  ConsolidationEnv env;
  auto stones = Stones(4);
  Consolidator c = env.MakeConsolidator(nullptr, 4, 2);
  FirstFullRun(env, c, stones);
  env.CreateRun("r2", "full", 2, 1, 1, "2026-02-11T00:00:00.000Z");
  env.WriteRaw("r2", {stones[0], stones[1], stones[2]});
  EXPECT_EQ(MustConsolidate(c, "r2", /*force=*/true).stats.deleted, 0);
  env.CreateRun("r3", "full", 1, 1, 0, "2026-02-12T00:00:00.000Z");
  env.WriteRaw("r3", {stones[0], stones[1]});
  EXPECT_EQ(MustConsolidate(c, "r3").stats.deleted, 2);  // s-002 (last seen by r2), s-003 (by r1)
  EXPECT_EQ(env.Scalar(kDeleted), "s-002,s-003");
}

TEST(SoftDelete, TheRawRowOfAnActiveStoneCannotBeDeleted) {
  ConsolidationEnv env;
  auto stones = Stones(3);
  Consolidator c = env.MakeConsolidator(nullptr, 4, 1);
  FirstFullRun(env, c, stones);
  auto refused = env.conn->Exec("DELETE FROM raw_diamonds_nivoda WHERE supplier_stone_id = 's-001'");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("the raw row of active stone s-001 (natural) cannot be deleted"),
            std::string::npos)
      << refused.status().message();
  env.Scalar(
      "UPDATE diamonds SET status = 'deleted', deleted_at = now() WHERE supplier_stone_id = 's-001' RETURNING 1");
  auto allowed = env.conn->Exec("DELETE FROM raw_diamonds_nivoda WHERE supplier_stone_id = 's-001'");
  ASSERT_TRUE(allowed.ok()) << allowed.status().ToString();
  EXPECT_EQ(allowed->Affected(), 1);
}

// A stone the other feed's run now serves has left its old feed: deleted there
// (logged by the run that saw it), added to the new one by its consolidation.
TEST(SoftDelete, AStoneThatChangesFeedsLeavesItsOldFeed) {
  ConsolidationEnv env;
  auto stones = Stones(3);
  Consolidator c = env.MakeConsolidator(nullptr, 4, 1);
  env.CreateRun("n1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z");
  env.WriteRaw("n1", stones);
  MustConsolidate(c, "n1");
  env.CreateRun("l1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z", "labgrown");
  env.WriteRaw("l1", {stones[2]}, "labgrown");
  EXPECT_EQ(env.Scalar("SELECT concat_ws('|', status, deleted_at IS NOT NULL) FROM diamonds"
                       " WHERE feed = 'natural' AND supplier_stone_id = 's-002'"),
            "deleted|t");
  EXPECT_EQ(Ids(env, "l1", "deleted"), "s-002");
  MustConsolidate(c, "l1");
  EXPECT_EQ(env.Scalar("SELECT status FROM diamonds WHERE feed = 'labgrown' AND supplier_stone_id = 's-002'"),
            "active");
  // The next natural full run does not see it and has nothing left to delete.
  env.CreateRun("n2", "full", 1, 1, 0, "2026-02-11T00:00:00.000Z");
  env.WriteRaw("n2", {stones[0], stones[1]});
  EXPECT_EQ(MustConsolidate(c, "n2").stats.deleted, 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE feed = 'natural' AND status = 'active'"), 2);
}

}  // namespace
}  // namespace di
