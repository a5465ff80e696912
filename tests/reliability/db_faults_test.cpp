// Reliability scenario 3 (issue 8): database faults. A private PostgreSQL
// (EmbeddedPostgres on its own directory under the build tree, never the
// suite's shared server, because this test restarts it; stopped by PID at the
// end), a nivoda-sim with latency, ties and short pages, `diamond-ingest
// schedule --full`, two `diamond-ingest work` processes and a long-running
// `diamond-ingest consolidate`. During the sync: `pg_ctl restart -m fast`
// (as the cluster's user, as the embedded code runs it) once while
// partitions are paging and once while the run is consolidating, and rounds
// of pg_terminate_backend on every other connection of the database. The
// processes must reconnect by themselves (none may exit) and the end state
// must equal the simulator's ground truth, each partition counted once, the
// watermark written once.
// Short version (make test): 10,000 offers, 4 termination rounds.
// DI_SOAK=1: 50,000 offers, 10 termination rounds.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <random>
#include <thread>

#include "db_faults_postgres.h"
#include "reliability_support.h"
#include "sim_process.h"
#include "store/embedded_postgres.h"
#include "store/migrations.h"

namespace di::testing::reliability {
namespace {

struct FaultPlan {
  int offers;
  int terminate_rounds_paging;  // rounds of pg_terminate_backend while partitions page
  int rate_limit;
  int consolidate_batch;
  int timeout_s;  // the run ends within this: a bound ~10x what it takes (short ~50 s), not a stopwatch
};

FaultPlan PlanFor(bool soak) {
  if (soak) return {50000, 9, 40, 100, 900};
  return {10000, 3, 25, 40, 500};
}

// One injected fault and how long the pipeline took to make progress again.
struct Fault {
  std::string what;
  double at = 0;            // seconds since the sync began
  double outage = 0;        // pg_ctl restart duration (0 for terminations)
  int64_t terminated = 0;   // backends terminated
  int64_t progress_at = 0;  // pages + consolidated stones when the fault ended
  double recovered_after = -1;
};

class DbFaults {
 public:
  DbFaults(const FaultPlan& plan, uint64_t seed)
      : plan_(plan), rng_(seed), dir_(ScenarioDir("db_faults")), processes_(dir_) {}

  ~DbFaults() {
    processes_.StopAll(SIGKILL);  // before their server goes
    conn_.reset();
    if (!server_dir_.empty()) {
      Status stopped = pg::EmbeddedPostgres::Stop(server_dir_);
      if (!stopped.ok()) std::fprintf(stderr, "db_faults: %s\n", stopped.ToString().c_str());
    }
  }

  void Run() {
    server_dir_ = PrivatePostgresDir("db_faults");
    auto url = StartPrivatePostgres(server_dir_, "db_faults");
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    url_ = *url;
    ASSERT_TRUE(Reconnect());
    auto migrated = pg::Migrate(*conn_);
    ASSERT_TRUE(migrated.ok()) << migrated.status().ToString();

    auto sim =
        SimProcess::Start({"--natural", std::to_string(plan_.offers), "--labgrown", "0", "--whole-dollar-fraction",
                           "0.6", "--short-page-fraction", "0.05", "--latency-base-ms", "30", "--latency-jitter", "0.3",
                           "--seed", std::to_string(rng_() % 1000 + 1)});
    ASSERT_TRUE(sim.ok()) << sim.status().ToString();
    sim_ = std::move(sim).value();
    processes_.set_env(
        ProcessEnv(url_, sim_->endpoint(),
                   {"QUEUE_LEASE_SECONDS=5", "QUEUE_RETRY_DELAY_SECONDS=1", "RETRY_BASE_MS=100", "RETRY_CAP_MS=2000",
                    "WORKER_PARTITIONS=3", "WORKER_REQUESTS_IN_FLIGHT=12", "RECORDS_PER_PARTITION=500",
                    "MIN_RECORDS_PER_PARTITION=100", "MAX_PARTITIONS_FULL=200", "SHUTDOWN_GRACE_SECONDS=5",
                    "NIVODA_RATE_LIMIT=" + std::to_string(plan_.rate_limit),
                    "CONSOLIDATE_BATCH_SIZE=" + std::to_string(plan_.consolidate_batch)}));

    start_ = Now();
    run_id_ = processes_.ScheduleFull(*conn_);
    ASSERT_FALSE(run_id_.empty());

    processes_.Start(2);
    Loop();
    processes_.StopAll(SIGTERM);
    total_ = Now() - start_;

    ASSERT_TRUE(Reconnect());
    auto truth = sim_->Dump("natural");
    ASSERT_TRUE(truth.ok()) << truth.status().ToString();
    SyncCheck check = CheckSync(*conn_, run_id_, *truth);
    PrintSummary(check);
    ExpectExactSync(check);
    int restarts = 0, rounds = 0;
    for (const auto& f : faults_) {
      (f.what == "restart" ? restarts : rounds) += 1;
      EXPECT_GE(f.recovered_after, 0) << f.what << " at " << f.at << " s: the pipeline never made progress again";
    }
    EXPECT_EQ(restarts, 2);
    EXPECT_GE(rounds, plan_.terminate_rounds_paging + 1);
    int64_t terminated = 0;
    for (const auto& f : faults_) terminated += f.terminated;
    EXPECT_GT(terminated, 0) << "the rounds terminated live connections";
    EXPECT_EQ(self_exits_, 0) << "a process exited instead of reconnecting";
  }

 private:
  bool Reconnect() {
    for (int i = 0; i < 100; ++i) {
      auto c = pg::Connection::Open(url_);
      if (c.ok()) {
        conn_ = std::move(c).value();
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // Progress, reconnecting the monitor when the server dropped it. False when unreadable.
  bool Read(Progress* p) {
    if (!conn_ || !conn_->healthy()) {
      if (!Reconnect()) return false;
    }
    *p = ReadProgress(*conn_, run_id_);
    if (p->run_status.empty()) {
      conn_.reset();
      return false;
    }
    return true;
  }

  void Restart() {
    Fault f{"restart", Now() - start_};
    double t0 = Now();
    Status s = pg::EmbeddedPostgres::Restart(server_dir_);
    EXPECT_TRUE(s.ok()) << s.ToString();
    f.outage = Now() - t0;
    conn_.reset();
    Progress p;
    if (Read(&p)) f.progress_at = p.pages + p.consolidated;
    faults_.push_back(f);
  }

  void Terminate() {
    Fault f{"pg_terminate_backend", Now() - start_};
    Progress p;
    if (!Read(&p)) return;
    f.progress_at = p.pages + p.consolidated;
    f.terminated = Scalar(*conn_,
                          "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE datname = current_database() AND pid <> pg_backend_pid()) t");
    faults_.push_back(f);
  }

  double Uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }

  void Loop() {
    double deadline = start_ + plan_.timeout_s;
    bool ended = false;  // the run reached completed or failed
    // Paging faults at random fractions of the raw rows stored: one restart
    // and the termination rounds; the second restart and one more round once
    // the consolidation has begun.
    std::vector<std::pair<double, std::string>> paging;
    paging.push_back({Uniform(0.15, 0.5), "restart"});
    for (int i = 0; i < plan_.terminate_rounds_paging; ++i) paging.push_back({Uniform(0.05, 0.9), "terminate"});
    std::sort(paging.begin(), paging.end());
    size_t next = 0;
    int64_t consolidating_restart_at = static_cast<int64_t>(plan_.offers * Uniform(0.1, 0.3));
    int64_t consolidating_terminate_at = static_cast<int64_t>(plan_.offers * Uniform(0.4, 0.7));
    bool restarted_consolidating = false, terminated_consolidating = false;
    while (Now() < deadline) {
      Progress p;
      if (!Read(&p)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      if (p.run_status == "completed" || p.run_status == "failed") {
        ended = true;
        break;
      }
      double t = Now() - start_;
      for (auto& f : faults_) {
        if (f.recovered_after < 0 && p.pages + p.consolidated > f.progress_at) f.recovered_after = t - f.at - f.outage;
      }
      self_exits_ += processes_.RestartExited();
      if (p.run_status == "running" && next < paging.size() &&
          p.raw_rows >= static_cast<int64_t>(paging[next].first * plan_.offers)) {
        if (paging[next++].second == "restart") {
          Restart();
        } else {
          Terminate();
        }
        continue;
      }
      if (p.run_status == "consolidating") {
        if (!restarted_consolidating && p.consolidated >= consolidating_restart_at) {
          restarted_consolidating = true;
          Restart();
          continue;
        }
        if (restarted_consolidating && !terminated_consolidating && p.consolidated >= consolidating_terminate_at) {
          terminated_consolidating = true;
          Terminate();
          continue;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(p.run_status == "consolidating" ? 3 : 30));
    }
    EXPECT_TRUE(ended) << "the run did not end within " << plan_.timeout_s << " s";
    EXPECT_EQ(next, paging.size()) << "the paging ended before every fault was injected";
  }

  void PrintSummary(const SyncCheck& check) {
    std::string out =
        "\n## Database faults (" + std::string(SoakMode() ? "soak" : "short") + ", run " + run_id_ + ")\n\n";
    out +=
        "| # | fault | at (s) | restart took (s) | backends terminated | time to progress again (s) |\n"
        "|---|---|---|---|---|---|\n";
    int n = 0;
    for (const auto& f : faults_) {
      out += "| " + std::to_string(++n) + " | " + (f.what == "restart" ? "pg_ctl restart -m fast" : f.what) + " | " +
             Secs(f.at) + " | " + (f.what == "restart" ? Secs(f.outage) : "-") + " | " +
             (f.what == "restart" ? "all" : std::to_string(f.terminated)) + " | " +
             (f.recovered_after >= 0 ? Secs(f.recovered_after) : "never") + " |\n";
    }
    int64_t errors =
        CountLogLines(dir_, {"terminating connection", "server closed the connection", "cannot connect to PostgreSQL",
                             "the database system is shutting down", "the database system is starting up"});
    out += "\ndatabase errors logged (and survived) by the processes: " + std::to_string(errors) +
           "; processes that exited instead of reconnecting: " + std::to_string(self_exits_) + "; total " +
           Secs(total_) + " s; partitions " + std::to_string(check.expected_partitions) + "\n\n";
    out += FormatSyncTable(check);
    std::printf("%s\n", out.c_str());
    std::fflush(stdout);
  }

  FaultPlan plan_;
  std::mt19937_64 rng_;
  std::string dir_;
  std::string server_dir_;
  std::string url_;
  std::unique_ptr<pg::Connection> conn_;
  std::unique_ptr<SimProcess> sim_;
  ScenarioProcesses processes_;
  std::string run_id_;
  std::vector<Fault> faults_;
  int self_exits_ = 0;
  double start_ = 0, total_ = 0;
};

TEST(DbFaultsTest, RestartsAndKilledConnectionsLoseAndDuplicateNothing) {
  uint64_t seed = ScenarioSeed();
  FaultPlan plan = PlanFor(SoakMode());
  std::printf("db faults: seed %llu (replay with DI_SEED=%llu), %d offers, 2 restarts, %d termination rounds\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed), plan.offers,
              plan.terminate_rounds_paging + 1);
  DbFaults scenario(plan, seed);
  scenario.Run();
}

}  // namespace
}  // namespace di::testing::reliability
