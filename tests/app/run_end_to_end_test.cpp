// The whole sync as a user runs it: the real `diamond-ingest run` process
// (schedule, in-process workers, consolidation) against a real nivoda-sim and
// PostgreSQL, three times over one inventory:
//   1. first run (no watermark: full): `diamonds` equals the simulator's dump;
//   2. churn (re-prices, payload edits, additions), then an incremental run:
//      changed stones updated, new ones inserted, nothing deleted;
//   3. removals, then an incremental run (deletes nothing) and a full run
//      (`run --full`): exactly the removed stones are soft-deleted.
// Each run must advance the watermark to the run's updated_to.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "process.h"
#include "sim_process.h"
#include "test_database.h"

namespace di {
namespace {

using testing::SimDumpRow;
using testing::SimProcess;

struct Row {
  std::string offer_id;
  int64_t price_cents = 0;
  std::string payload_hash;
  std::string status;
};

class RunEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sim = SimProcess::Start({"--natural", "4000", "--labgrown", "0", "--seed", "11", "--whole-dollar-fraction",
                                  "0.5", "--short-page-fraction", "0.05", "--latency-base-ms", "5"});
    ASSERT_TRUE(sim.ok()) << sim.status().ToString();
    sim_ = std::move(*sim);
    conn_ = db_.Connect();
  }

  // Runs `diamond-ingest run ARGS...`; returns its result.
  test::ProcessResult Run(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {std::string(getenv("DI_BIN_DIR")) + "/diamond-ingest", "run"};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::RunProcess(argv,
                            {"DATABASE_URL=" + db_.url(), "NIVODA_ENDPOINT=" + sim_->endpoint(),
                             std::string("NIVODA_USERNAME=") + SimProcess::kUsername,
                             std::string("NIVODA_PASSWORD=") + SimProcess::kPassword, "NIVODA_RATE_LIMIT=200",
                             "RECORDS_PER_PARTITION=1000", "MIN_RECORDS_PER_PARTITION=200", "LOG_LEVEL=warn",
                             "LOG_FORMAT=json", "METRICS_ADDR=127.0.0.1:0", "PATH=/usr/bin:/bin"},
                            dir_.path());
  }

  std::map<std::string, SimDumpRow> Truth() {
    auto dump = sim_->Dump("natural");
    EXPECT_TRUE(dump.ok()) << dump.status().ToString();
    std::map<std::string, SimDumpRow> out;
    if (dump.ok()) {
      for (auto& r : *dump) out[r.stone_id] = r;
    }
    return out;
  }

  std::map<std::string, Row> Diamonds() {
    auto r = conn_->Exec("SELECT supplier_stone_id, offer_id, price_cents, payload_hash, status FROM diamonds");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::map<std::string, Row> out;
    for (int i = 0; r.ok() && i < r->rows(); ++i) {
      out[r->GetString(i, 0)] = {r->GetString(i, 1), r->GetInt64(i, 2), r->GetString(i, 3), r->GetString(i, 4)};
    }
    return out;
  }

  std::string Scalar(const std::string& sql) {
    auto r = conn_->Exec(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() && r->rows() > 0 ? r->GetString(0, 0) : "";
  }

  // The latest run is completed, of TYPE, and the watermark is its updated_to.
  void ExpectLatestRunCompleted(const std::string& type) {
    EXPECT_EQ(Scalar("SELECT run_type || ' ' || status FROM run_metadata ORDER BY started_at DESC LIMIT 1"),
              type + " completed");
    EXPECT_EQ(
        Scalar("SELECT count(*) FROM watermarks w JOIN run_metadata r ON r.run_id = w.last_run_id"
               " WHERE w.last_updated_at = r.updated_to AND r.started_at = (SELECT max(started_at) FROM run_metadata)"),
        "1");
  }

  // Every stone of TRUTH is active in `diamonds` with the simulator's offer id,
  // price and payload hash.
  void ExpectActiveEqualsTruth(const std::map<std::string, SimDumpRow>& truth) {
    auto rows = Diamonds();
    int active = 0, missing = 0, stale = 0;
    for (const auto& [id, row] : rows) active += row.status == "active";
    for (const auto& [id, t] : truth) {
      auto it = rows.find(id);
      if (it == rows.end() || it->second.status != "active") {
        if (++missing <= 3) {
          ADD_FAILURE() << "stone " << id << " not active in diamonds; raw: "
                        << Scalar(
                               "SELECT coalesce(max(run_id || ' ' || payload_hash), 'none') FROM raw_diamonds_nivoda"
                               " WHERE supplier_stone_id = '" +
                               id + "'")
                        << "; mapping failure: "
                        << Scalar(
                               "SELECT coalesce(max(reason), 'none') FROM consolidation_failures"
                               " WHERE supplier_stone_id = '" +
                               id + "'");
        }
        continue;
      }
      if (it->second.offer_id != t.offer_id || it->second.price_cents != t.price_cents ||
          it->second.payload_hash != t.payload_sha256) {
        if (++stale <= 3) ADD_FAILURE() << "stone " << id << " differs from the simulator";
      }
    }
    EXPECT_EQ(missing, 0);
    EXPECT_EQ(stale, 0);
    EXPECT_EQ(active, static_cast<int>(truth.size()));
  }

  testing::TestDatabase db_ = testing::TestDatabase::Create();
  std::unique_ptr<pg::Connection> conn_;
  std::unique_ptr<SimProcess> sim_;
  test::TempDir dir_;
};

TEST_F(RunEndToEnd, FullThenIncrementalThenRemovalsSoftDeletedByTheNextFullRun) {
  // 1. The first run is full: diamonds equals the inventory.
  auto first = Run({});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ExpectLatestRunCompleted("full");
  auto truth = Truth();
  ASSERT_EQ(truth.size(), 4000u);
  ExpectActiveEqualsTruth(truth);
  EXPECT_EQ(Scalar("SELECT count(*) FROM diamonds"), "4000");

  // 2. Churn without removals, then an incremental run.
  auto churn = sim_->TriggerChurn({.reprice = 0.03, .payload = 0.03, .add = 0.02, .remove = 0});
  ASSERT_TRUE(churn.ok()) << churn.status().ToString();
  ASSERT_TRUE(sim_->PauseChurn().ok());
  auto second = Run({});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  ExpectLatestRunCompleted("incremental");
  auto after_churn = Truth();
  const auto added = static_cast<size_t>(churn->add);
  ASSERT_GT(added, 0u);
  ASSERT_GT(churn->reprice + churn->payload, 0);
  ASSERT_EQ(after_churn.size(), 4000u + added);
  ExpectActiveEqualsTruth(after_churn);  // changed stones updated, new ones inserted
  EXPECT_EQ(Scalar("SELECT count(*) FROM diamonds"), std::to_string(4000 + added));

  // 3. Removals: an incremental run cannot see them and deletes nothing...
  std::set<std::string> before;
  for (const auto& [id, row] : after_churn) before.insert(id);
  auto removal = sim_->TriggerChurn({.reprice = 0, .payload = 0, .add = 0, .remove = 0.02});
  ASSERT_TRUE(removal.ok()) << removal.status().ToString();
  ASSERT_GT(removal->remove, 0);
  auto removed_truth = Truth();
  std::set<std::string> removed;
  for (const auto& id : before) {
    if (!removed_truth.count(id)) removed.insert(id);
  }
  ASSERT_EQ(removed.size(), static_cast<size_t>(removal->remove));
  ASSERT_EQ(removed_truth.size() + removed.size(), before.size());
  auto third = Run({});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  ExpectLatestRunCompleted("incremental");
  EXPECT_EQ(Scalar("SELECT count(*) FROM diamonds WHERE status = 'deleted'"), "0");

  // ... the next full run soft-deletes exactly the removed stones.
  auto fourth = Run({"--full"});
  ASSERT_EQ(fourth.exit_code, 0) << fourth.err;
  ExpectLatestRunCompleted("full");
  ExpectActiveEqualsTruth(removed_truth);
  auto rows = Diamonds();
  std::set<std::string> deleted;
  for (const auto& [id, row] : rows) {
    if (row.status == "deleted") deleted.insert(id);
  }
  EXPECT_EQ(deleted, removed);
  EXPECT_EQ(Scalar("SELECT count(*) FROM diamonds WHERE status = 'deleted' AND deleted_at IS NULL"), "0");
}

}  // namespace
}  // namespace di
