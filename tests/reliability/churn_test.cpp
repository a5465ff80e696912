// Reliability scenario 4 (issue 8): inventory churn during a full run.
// Run 0 (quiet) fills `diamonds`; during run 1 the simulator re-prices ~2% of
// the offers (half of them to a fresh price, across partition boundaries),
// adds ~1% and removes ~1%; run 2 is quiet again. Real `diamond-ingest work`
// processes fetch; the real Consolidator consolidates each run.
// Asserts: every stone present before and after run 1 is active after it; no
// stone of the after-snapshot is ever deleted; after run 2 exactly the stones
// the simulator no longer offers are soft-deleted (deleted_at set).
// Short: 6,000 offers; DI_SOAK=1: 50,000.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>

#include "churn_support.h"

namespace di::testing {
namespace {

std::vector<std::string> WorkerEnv() {
  return {"NIVODA_RATE_LIMIT=1000", "WORKER_PARTITIONS=4",          "WORKER_REQUESTS_IN_FLIGHT=16",
          "QUEUE_LEASE_SECONDS=5",  "QUEUE_RETRY_DELAY_SECONDS=1",  "RETRY_BASE_MS=50",
          "RETRY_CAP_MS=500",       "CONSOLIDATION_DELAY_SECONDS=2"};
}

struct RunResult {
  std::string run;
  std::string status;        // after consolidation
  double fetch_seconds = 0;  // workers started -> consolidation queued
  FetchRounds rounds;
};

// One full run: schedule, two worker processes until the consolidation is
// queued (DURING runs meanwhile until told to stop), then the consolidator.
RunResult FullRun(Pipeline& p, const std::string& log_dir, const std::string& name,
                  const std::function<void(const std::atomic<bool>&)>& during = {}) {
  RunResult out;
  out.run = p.ScheduleFull(30, Sized(200, 1000));
  if (out.run.empty()) return out;
  std::vector<std::string> logs = {log_dir + "/" + name + "-a.log", log_dir + "/" + name + "-b.log"};
  int64_t start = DefaultClock().MonotonicMs();
  std::atomic<bool> stop_during{false};
  std::thread side;
  bool queued = false;
  {
    WorkerProcess a(p, WorkerEnv(), logs[0]), b(p, WorkerEnv(), logs[1]);
    if (during) side = std::thread([&] { during(stop_during); });
    queued = WaitForConsolidationMessage(p, out.run, Millis(Sized(240000, 1800000)));
    if (!queued) ADD_FAILURE() << name << " did not complete; " << DescribeQueueAndSessions(p);
    stop_during = true;
    if (side.joinable()) side.join();
    out.fetch_seconds = (DefaultClock().MonotonicMs() - start) / 1000.0;
  }  // workers stopped
  out.rounds = ReadFetchRounds(logs, out.run);
  EXPECT_TRUE(queued) << name << ": run status " << p.RunStatus(out.run) << ", logs in " << log_dir;
  if (!queued) return out;
  out.status = p.Consolidate(out.run, Millis(Sized(120000, 600000)));
  return out;
}

std::set<std::string> Minus(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  for (const auto& x : a) {
    if (!b.count(x)) out.insert(x);
  }
  return out;
}

std::string Some(const std::set<std::string>& s) {
  std::string out;
  int n = 0;
  for (const auto& x : s) {
    if (n++ == 5) break;
    out += (out.empty() ? "" : ", ") + x;
  }
  return out + (s.size() > 5 ? " (" + std::to_string(s.size() - 5) + " more)" : "");
}

const char* kActive = "SELECT supplier_stone_id FROM diamonds WHERE feed = 'natural' AND status = 'active'";
const char* kDeleted =
    "SELECT supplier_stone_id FROM diamonds WHERE feed = 'natural' AND status = 'deleted' AND deleted_at IS NOT NULL";

TEST(ChurnTest, ChurnDuringAFullRunLosesNothingAndDeletesOnlyRemovedStones) {
  const int64_t offers = Sized(6000, 50000);
  Pipeline p({"--natural", std::to_string(offers), "--labgrown", "0", "--whole-dollar-fraction", "0.6",
              "--latency-base-ms", "5"});
  ASSERT_TRUE(p.sim);
  std::string logs = ScenarioDir("churn");

  // Run 0: quiet; `diamonds` holds the inventory before the churn.
  RunResult r0 = FullRun(p, logs, "run0");
  ASSERT_EQ(r0.status, "completed");
  auto before_dump = p.sim->Dump("natural");
  ASSERT_TRUE(before_dump.ok());
  std::set<std::string> before = StoneIds(*before_dump);
  ASSERT_EQ(QuerySet(p, kActive), before) << "run 0 is exact";

  // Run 1: churn spread over ~40% of run 0's fetch time, in 16 ticks or more
  // (ticks of 50-250 ms).
  const int ticks = std::max(16, static_cast<int>(r0.fetch_seconds * 0.4 / 0.25));
  const auto tick = std::chrono::milliseconds(std::clamp(static_cast<int>(r0.fetch_seconds * 400 / ticks), 50, 250));
  SimChurn per_tick{0.02 / ticks, 0, 0.01 / ticks, 0.01 / ticks};
  SimChurn churned;
  int ticks_done = 0;
  RunResult r1 = FullRun(p, logs, "run1", [&](const std::atomic<bool>& stop) {
    for (; ticks_done < ticks && !stop; ++ticks_done) {
      auto done = p.sim->TriggerChurn(per_tick);
      EXPECT_TRUE(done.ok()) << done.status().ToString();
      if (done.ok()) {
        churned.reprice += done->reprice;
        churned.add += done->add;
        churned.remove += done->remove;
      }
      std::this_thread::sleep_for(tick);
    }
  });
  ASSERT_TRUE(p.sim->PauseChurn().ok());
  ASSERT_EQ(r1.status, "completed");
  auto after_dump = p.sim->Dump("natural");
  ASSERT_TRUE(after_dump.ok());
  std::set<std::string> after = StoneIds(*after_dump);
  std::set<std::string> removed = Minus(before, after), added = Minus(after, before);
  std::set<std::string> kept = Minus(before, removed);

  // The churn happened while the run was in flight (at least half of what was
  // asked: run 1 may end before the last ticks on a loaded machine).
  EXPECT_GE(churned.reprice, 0.01 * offers) << "ticks done " << ticks_done << " of " << ticks;
  EXPECT_GE(churned.add, 0.005 * offers);
  EXPECT_GE(churned.remove, 0.005 * offers);

  std::set<std::string> active1 = QuerySet(p, kActive), deleted1 = QuerySet(p, kDeleted);
  std::set<std::string> kept_missing = Minus(kept, active1);
  EXPECT_TRUE(kept_missing.empty()) << kept_missing.size()
                                    << " stones present before and after run 1 are not active: " << Some(kept_missing);
  std::set<std::string> after_deleted = Minus(after, Minus(after, deleted1));
  EXPECT_TRUE(after_deleted.empty()) << after_deleted.size()
                                     << " stones still offered were deleted: " << Some(after_deleted);
  std::set<std::string> added_missing = Minus(added, active1);
  std::set<std::string> removed_by_run1 = Minus(removed, Minus(removed, deleted1));
  auto raw1 = p.RawOfRun(r1.run);
  auto truth1 = p.SimTruth();

  // Run 2: quiet; the stones removed are soft-deleted now, nothing else.
  RunResult r2 = FullRun(p, logs, "run2");
  ASSERT_EQ(r2.status, "completed");
  auto raw2 = p.RawOfRun(r2.run);
  auto truth2 = p.SimTruth();
  EXPECT_TRUE(raw2 == truth2) << "missing or stale: " << DescribeDifference(truth2, raw2)
                              << "; extra: " << DescribeDifference(raw2, truth2);
  std::set<std::string> active2 = QuerySet(p, kActive), deleted2 = QuerySet(p, kDeleted);
  EXPECT_EQ(active2, after) << "not active: " << Some(Minus(after, active2))
                            << "; active but gone: " << Some(Minus(active2, after));
  EXPECT_EQ(Minus(removed, deleted2), std::set<std::string>{}) << "removed stones not soft-deleted";
  EXPECT_EQ(QueryInt(p, "SELECT count(*) FROM diamonds WHERE feed = 'natural'"),
            static_cast<int64_t>(active2.size() + deleted2.size()))
      << "every row is active, or deleted with deleted_at set";
  EXPECT_EQ(QueryInt(p, "SELECT count(*) - count(DISTINCT supplier_stone_id) FROM diamonds"), 0) << "duplicates";

  // The figures for docs/RELIABILITY.md.
  std::cout << "[churn] offers " << offers << (SoakMode() ? " (soak)" : " (short)") << "; run 0 fetch "
            << r0.fetch_seconds << " s; run 1 fetch " << r1.fetch_seconds << " s with churn ticks " << ticks_done << "/"
            << ticks << ": re-priced " << churned.reprice << ", added " << churned.add << ", removed " << churned.remove
            << "; run 2 fetch " << r2.fetch_seconds << " s\n"
            << "[churn] before " << before.size() << ", after " << after.size() << ", kept " << kept.size()
            << " (not active after run 1: " << kept_missing.size()
            << "), still offered but deleted: " << after_deleted.size()
            << "; added and not yet in diamonds after run 1: " << added_missing.size() << "; removed " << removed.size()
            << " (soft-deleted by run 1 itself: " << removed_by_run1.size()
            << ", after run 2: " << (removed.size() - Minus(removed, deleted2).size()) << ")\n"
            << "[churn] run 1 raw vs simulator at its end: " << raw1.size() << " vs " << truth1.size()
            << " stones, missing or stale " << DescribeDifference(truth1, raw1) << "\n"
            << "[churn] run 2: raw " << raw2.size() << " == simulator " << truth2.size() << "; diamonds active "
            << active2.size() << ", deleted " << deleted2.size() << "\n"
            << "[churn] run 0 " << Describe(r0.rounds) << "\n[churn] run 1 " << Describe(r1.rounds)
            << "\n[churn] run 2 " << Describe(r2.rounds) << "\n[churn] worker logs in " << logs << std::endl;
}

}  // namespace
}  // namespace di::testing
