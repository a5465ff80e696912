// Reliability scenario 1 (issue 8): a crash storm. Real processes only: a
// nivoda-sim with latency, ties and short pages; `diamond-ingest schedule
// --full`; three `diamond-ingest work` processes, one of which is SIGKILLed at
// random moments (seeded RNG, seed printed; DI_SEED replays) and restarted
// each time; a long-running `diamond-ingest consolidate`, SIGKILLed twice while
// the run is consolidating and restarted. At the end the raw table and
// `diamonds` must equal the simulator's ground truth, every partition must be
// counted once and the watermark written once.
// Short version (make test): 10,000 offers, >= 6 worker kills. DI_SOAK=1:
// 50,000 offers, >= 20 worker kills. Both kill the consolidator twice.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <random>
#include <thread>

#include "reliability_support.h"
#include "sim_process.h"
#include "test_database.h"

namespace di::testing::reliability {
namespace {

struct StormPlan {
  int offers;
  int worker_kills;         // at least this many SIGKILLs of worker 0 while the run is running
  int consolidator_kills;   // SIGKILLs of the consolidator while consolidating
  double gap_min, gap_max;  // seconds between worker kills (uniform)
  int rate_limit;           // NIVODA_RATE_LIMIT (paces the sync so kills land mid-run)
  int records_per_partition;
  int consolidate_batch;  // small batches: the consolidation lasts long enough to be killed
  int timeout_s;          // the run ends within this: a bound ~10x what it takes (short ~50 s), not a stopwatch
};

StormPlan PlanFor(bool soak) {
  if (soak) return {50000, 20, 2, 0.6, 2.0, 40, 2000, 100, 900};
  return {10000, 6, 2, 0.6, 1.6, 25, 500, 40, 500};
}

// A kill of worker 0 and what it interrupted.
struct WorkerKill {
  double at = 0;                // seconds since the storm began
  std::map<int, int64_t> held;  // partition -> pages_fetched at the kill
  pid_t restarted = -1;         // the replacement process
  double working_after = -1;    // until the replacement claimed a partition
  double recovered_after = -1;  // until each held partition moved again
};

struct ConsolidatorKill {
  double at = 0;
  int64_t consolidated_at_kill = 0;
  double recovered_after = -1;  // until the consolidated count grew again
};

class Storm {
 public:
  Storm(const StormPlan& plan, uint64_t seed)
      : plan_(plan),
        rng_(seed),
        db_(TestDatabase::Create()),
        conn_(db_.Connect()),
        dir_(ScenarioDir("crash_storm")),
        processes_(dir_) {}

  void Run() {
    auto sim = SimProcess::Start({"--natural", std::to_string(plan_.offers), "--labgrown", "0",
                                  "--whole-dollar-fraction", "0.6",  // many offers share a price: ties
                                  "--short-page-fraction", "0.05", "--latency-base-ms", "30", "--latency-jitter", "0.3",
                                  "--seed", std::to_string(rng_() % 1000 + 1)});
    ASSERT_TRUE(sim.ok()) << sim.status().ToString();
    sim_ = std::move(sim).value();
    processes_.set_env(ProcessEnv(
        db_.url(), sim_->endpoint(),
        {"QUEUE_LEASE_SECONDS=3", "QUEUE_RETRY_DELAY_SECONDS=1", "RETRY_BASE_MS=50", "RETRY_CAP_MS=1000",
         "WORKER_PARTITIONS=3", "WORKER_REQUESTS_IN_FLIGHT=12", "MIN_RECORDS_PER_PARTITION=100",
         "MAX_PARTITIONS_FULL=200", "SHUTDOWN_GRACE_SECONDS=5", "NIVODA_RATE_LIMIT=" + std::to_string(plan_.rate_limit),
         "RECORDS_PER_PARTITION=" + std::to_string(plan_.records_per_partition),
         "CONSOLIDATE_BATCH_SIZE=" + std::to_string(plan_.consolidate_batch)}));

    start_ = Now();
    run_id_ = processes_.ScheduleFull(*conn_);
    ASSERT_FALSE(run_id_.empty());
    scheduled_ = Now() - start_;

    processes_.Start(3);
    Loop();
    processes_.StopAll(SIGTERM);
    total_ = Now() - start_;

    auto truth = sim_->Dump("natural");
    ASSERT_TRUE(truth.ok()) << truth.status().ToString();
    SyncCheck check = CheckSync(*conn_, run_id_, *truth);
    PrintSummary(check);
    ExpectExactSync(check);
    EXPECT_GE(static_cast<int>(worker_kills_.size()), plan_.worker_kills) << "the sync ended before enough kills";
    EXPECT_EQ(static_cast<int>(consolidator_kills_.size()), plan_.consolidator_kills);
    int mid_partition = 0;
    for (const auto& k : worker_kills_) mid_partition += k.held.empty() ? 0 : 1;
    EXPECT_GE(mid_partition, plan_.worker_kills / 2) << "most kills interrupted a partition";
    for (const auto& k : worker_kills_) {
      EXPECT_TRUE(k.held.empty() || k.recovered_after >= 0) << "partitions of the kill at " << k.at << " s resumed";
    }
    for (const auto& k : consolidator_kills_) {
      EXPECT_GE(k.recovered_after, 0) << "consolidation resumed after the kill at " << k.at << " s";
    }
  }

 private:
  std::map<int, int64_t> HeldBy(pid_t pid) {
    std::map<int, int64_t> held;
    auto r = conn_->Exec(
        "SELECT w.partition_id, p.pages_fetched FROM partition_runs w JOIN partition_progress p USING (run_id, "
        "partition_id)"
        " WHERE w.run_id = $1 AND w.status = 'running' AND w.worker_id LIKE '%:' || $2",
        {pg::P(run_id_), pg::P(std::to_string(pid))});
    for (int i = 0; r.ok() && i < r->rows(); ++i) held[static_cast<int>(r->GetInt64(i, 0))] = r->GetInt64(i, 1);
    return held;
  }

  // True when every partition of KILL completed or fetched another page.
  bool Resumed(const WorkerKill& kill) {
    for (const auto& [partition, pages] : kill.held) {
      auto r = conn_->Exec(
          "SELECT w.status = 'completed' OR p.pages_fetched > $3 FROM partition_runs w"
          " JOIN partition_progress p USING (run_id, partition_id) WHERE w.run_id = $1 AND w.partition_id = $2",
          {pg::P(run_id_), pg::P(partition), pg::P(pages)});
      if (!r.ok() || r->rows() != 1 || !r->GetBool(0, 0)) return false;
    }
    return true;
  }

  // True when PID has claimed a partition of the run.
  bool Claimed(pid_t pid) {
    return Scalar(*conn_, "SELECT count(*) FROM partition_runs WHERE run_id = $1 AND worker_id LIKE '%:' || $2",
                  {pg::P(run_id_), pg::P(std::to_string(pid))}) > 0;
  }

  double Gap() { return std::uniform_real_distribution<double>(plan_.gap_min, plan_.gap_max)(rng_); }
  double Fraction() { return std::uniform_real_distribution<double>(0.1, 0.3)(rng_); }

  void Loop() {
    double deadline = start_ + plan_.timeout_s;
    bool ended = false;  // the run reached completed or failed
    double next_kill = Now() + Gap();
    double kill_due_since = -1;
    int64_t expected = plan_.offers;
    int64_t consolidator_target = static_cast<int64_t>(expected * Fraction());
    while (Now() < deadline) {
      Progress p = ReadProgress(*conn_, run_id_);
      if (p.run_status == "completed" || p.run_status == "failed") {
        ended = true;
        break;
      }
      double t = Now() - start_;
      for (auto& k : worker_kills_) {
        if (k.recovered_after < 0 && !k.held.empty() && Resumed(k)) k.recovered_after = t - k.at;
        if (k.working_after < 0 && Claimed(k.restarted)) k.working_after = t - k.at;
      }
      for (auto& k : consolidator_kills_) {
        if (k.recovered_after < 0 && p.consolidated > k.consolidated_at_kill) k.recovered_after = t - k.at;
      }
      processes_.RestartExited(/*first_worker=*/1);  // worker 0 is the one killed on purpose

      if (p.run_status == "running" && static_cast<int>(worker_kills_.size()) < plan_.worker_kills * 3 / 2 &&
          Now() >= next_kill) {
        // Due: kill as soon as worker 0 holds a partition (or after 3 s of waiting anyway).
        if (kill_due_since < 0) kill_due_since = Now();
        auto held = HeldBy(processes_.worker(0));
        if (!held.empty() || Now() - kill_due_since > 3) {
          pid_t restarted = processes_.KillAndRestartWorker(0);
          worker_kills_.push_back({t, held, restarted, -1, -1});
          next_kill = Now() + Gap();
          kill_due_since = -1;
        }
      }
      if (p.run_status == "consolidating" && static_cast<int>(consolidator_kills_.size()) < plan_.consolidator_kills &&
          p.consolidated >= consolidator_target) {
        processes_.KillConsolidator();
        // A COMMIT already sent may still land: count once the server has dropped the session.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        int64_t at_kill = ReadProgress(*conn_, run_id_).consolidated;
        consolidator_kills_.push_back({t, at_kill, -1});
        processes_.StartConsolidator();
        consolidator_target = at_kill + 1 + static_cast<int64_t>(expected * Fraction());
      }
      bool consolidating = p.run_status == "consolidating";
      std::this_thread::sleep_for(std::chrono::milliseconds(consolidating ? 3 : 50));
    }
    EXPECT_TRUE(ended) << "the run did not end within " << plan_.timeout_s << " s";
  }

  void PrintSummary(const SyncCheck& check) {
    std::string out = "\n## Crash storm (" + std::string(SoakMode() ? "soak" : "short") + ", run " + run_id_ + ")\n\n";
    out +=
        "| kill | process | at (s) | work interrupted | restarted process working after (s) |"
        " interrupted work resumed after (s) |\n|---|---|---|---|---|---|\n";
    int n = 0;
    double worst = 0, sum = 0;
    int measured = 0;
    for (const auto& k : worker_kills_) {
      out += "| " + std::to_string(++n) + " | worker 0 (SIGKILL) | " + Secs(k.at) + " | " +
             std::to_string(k.held.size()) + " partitions | " + (k.working_after >= 0 ? Secs(k.working_after) : "-") +
             " | " + (k.recovered_after >= 0 ? Secs(k.recovered_after) : "-") + " |\n";
      if (k.recovered_after >= 0) {
        worst = std::max(worst, k.recovered_after);
        sum += k.recovered_after;
        ++measured;
      }
    }
    for (const auto& k : consolidator_kills_) {
      out += "| " + std::to_string(++n) + " | consolidator (SIGKILL) | " + Secs(k.at) + " | " +
             std::to_string(k.consolidated_at_kill) + " of " + std::to_string(check.expected) +
             " stones consolidated | - | " + (k.recovered_after >= 0 ? Secs(k.recovered_after) : "-") + " |\n";
    }
    out += "\nworker kills: " + std::to_string(worker_kills_.size()) +
           " (required >= " + std::to_string(plan_.worker_kills) +
           "), consolidator kills: " + std::to_string(consolidator_kills_.size()) +
           "; interrupted partitions resumed after mean " + Secs(measured ? sum / measured : 0) + " s, max " +
           Secs(worst) + " s (lease 3 s, then behind the queued partitions); schedule " + Secs(scheduled_) +
           " s, total " + Secs(total_) + " s; partitions " + std::to_string(check.expected_partitions) + "\n\n";
    out += FormatSyncTable(check);
    std::printf("%s\n", out.c_str());
    std::fflush(stdout);
  }

  StormPlan plan_;
  std::mt19937_64 rng_;
  TestDatabase db_;
  std::unique_ptr<pg::Connection> conn_;
  std::string dir_;
  std::unique_ptr<SimProcess> sim_;
  ScenarioProcesses processes_;  // after the servers: stopped before them
  std::string run_id_;
  std::vector<WorkerKill> worker_kills_;
  std::vector<ConsolidatorKill> consolidator_kills_;
  double start_ = 0, scheduled_ = 0, total_ = 0;
};

TEST(CrashStormTest, KilledWorkersAndConsolidatorLoseAndDuplicateNothing) {
  uint64_t seed = ScenarioSeed();
  StormPlan plan = PlanFor(SoakMode());
  std::printf(
      "crash storm: seed %llu (replay with DI_SEED=%llu), %d offers, >= %d worker kills, %d consolidator kills\n",
      static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed), plan.offers, plan.worker_kills,
      plan.consolidator_kills);
  Storm storm(plan, seed);
  storm.Run();
}

}  // namespace
}  // namespace di::testing::reliability
