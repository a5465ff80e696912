// What a run's consolidation did to `diamonds`, stone by stone
// (diamond_changes, ops/changes.h, `diamond-ingest changes --run-id`): three
// full runs over one inventory add, change, delete and bring back stones;
// each run lists exactly its own, also through the real binary.
#include "ops/changes.h"

#include <gtest/gtest.h>

#include "consolidate_support.h"
#include "process.h"

namespace di {
namespace {

using testing::ConsolidationEnv;
using testing::MustConsolidate;
using testing::Stone;
using testing::Stones;

// "kind stone" per listed stone.
std::vector<std::string> Listed(const RunChangeList& c) {
  std::vector<std::string> out;
  for (const auto& s : c.stones) out.push_back(s.change + " " + s.supplier_stone_id);
  return out;
}

class Changes : public ::testing::Test {
 protected:
  RunChangeList Load(const std::string& run_id, const std::string& change = "") {
    auto c = LoadRunChanges(*env_.conn, {run_id, change, 0});
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_TRUE(c.ok() && c->has_value()) << run_id;
    return c.ok() && c->has_value() ? **c : RunChangeList{};
  }
  test::ProcessResult Cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {std::string(getenv("DI_BIN_DIR")) + "/diamond-ingest", "changes"};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::RunProcess(argv, {"PATH=/usr/bin:/bin", "DATABASE_URL=" + env_.db.url(), "LOG_LEVEL=warn"}, "/");
  }
  ConsolidationEnv env_;
};

TEST_F(Changes, EachRunListsTheStonesItAddedChangedDeletedAndBroughtBack) {
  Consolidator c = env_.MakeConsolidator();
  std::vector<Stone> stones = Stones(5);  // s-000 .. s-004
  env_.CreateRun("r1", "full", 1, 1, 0, "2026-02-10T00:00:00.000Z");
  env_.WriteRaw("r1", stones);
  MustConsolidate(c, "r1");

  // r2: s-000 re-priced, s-004 gone, n-000 new, the rest unchanged.
  std::vector<Stone> second(stones.begin(), stones.begin() + 4);
  second[0].price_cents = 777700;
  second.push_back(Stones(1, "n")[0]);
  env_.CreateRun("r2", "full", 1, 1, 0, "2026-02-11T00:00:00.000Z");
  env_.WriteRaw("r2", second);
  MustConsolidate(c, "r2");

  // r3: s-004 is back as it was; nothing else changed.
  second.push_back(stones[4]);
  env_.CreateRun("r3", "full", 1, 1, 0, "2026-02-12T00:00:00.000Z");
  env_.WriteRaw("r3", second);
  MustConsolidate(c, "r3");

  RunChangeList r1 = Load("r1");
  EXPECT_EQ(Listed(r1),
            (std::vector<std::string>{"added s-000", "added s-001", "added s-002", "added s-003", "added s-004"}));
  EXPECT_EQ(r1.counts[0], 5);
  RunChangeList r2 = Load("r2");
  EXPECT_EQ(Listed(r2), (std::vector<std::string>{"added n-000", "changed s-000", "deleted s-004"}));
  EXPECT_EQ(r2.stones[1].price_cents, 777700);
  EXPECT_EQ(r2.stones[2].status, "active") << "the stone's row now: r3 brought it back";
  RunChangeList r3 = Load("r3");
  EXPECT_EQ(Listed(r3), (std::vector<std::string>{"undeleted s-004"}));
  EXPECT_EQ(Listed(Load("r2", "deleted")), (std::vector<std::string>{"deleted s-004"}));
  EXPECT_FALSE(r2.consolidated_before_recording);
  // The counts agree with the run's consolidation_stats.
  EXPECT_EQ(env_.Scalar("SELECT concat_ws(' ', consolidation_stats->>'inserted', consolidation_stats->>'updated',"
                        " consolidation_stats->>'deleted') FROM run_metadata WHERE run_id = 'r2'"),
            "1 1 1");

  test::ProcessResult out = Cli({"--run-id", "r2"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out.substr(0, out.out.find('\n')),
            "run r2 (natural, full, completed): 1 added, 1 changed, 1 deleted, 0 undeleted");
  EXPECT_NE(out.out.find("\nchanged\ts-000\tROUND\t"), std::string::npos) << out.out;
  EXPECT_NE(out.out.find("\t7777.00\tactive\n"), std::string::npos) << out.out;
  test::ProcessResult only = Cli({"--run-id", "r1", "--change", "added", "--limit", "2"});
  ASSERT_EQ(only.exit_code, 0) << only.err;
  EXPECT_NE(only.out.find("5 added"), std::string::npos) << "the summary counts every stone";
  EXPECT_EQ(std::count(only.out.begin(), only.out.end(), '\n'), 4) << only.out;  // summary, header, 2 stones
  test::ProcessResult unknown = Cli({"--run-id", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, "diamond-ingest changes: no run nope\n");
  EXPECT_EQ(Cli({"--run-id", "r1", "--change", "sold"}).exit_code, 2);
}

}  // namespace
}  // namespace di
