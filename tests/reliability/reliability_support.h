// Shared helpers of the reliability scenarios (tests/reliability, issue 8):
// real `diamond-ingest` child processes (started, SIGKILLed, reaped by PID;
// the launcher itself is the pipeline fixture's, tests/support), the
// scenario's mode (short for `make test`, long with DI_SOAK=1), seed and log
// directory under the build tree, and the end-of-sync invariants: raw table
// and `diamonds` equal to the simulator's ground truth, every partition
// counted once, the watermark advanced once. Used by every scenario
// (churn_support.h builds on it). Not thread-safe (one scenario thread drives it).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pipeline_fixture.h"
#include "sim_process.h"
#include "store/pg.h"

namespace di::testing::reliability {

// True when DI_SOAK=1 (`make soak`): the long version of a scenario.
bool SoakMode();
// The scenario's RNG seed: DI_SEED when set, else a fresh random one. The
// caller prints it so a failing storm can be replayed.
uint64_t ScenarioSeed();
// Seconds on a monotonic clock.
double Now();

// A directory for a scenario's logs under the build tree
// ($DI_TEST_SERVERS_DIR/reliability/NAME), created empty (a previous run's
// logs are removed; the last run's stay for inspection).
std::string ScenarioDir(const std::string& name);

// Starts `$DI_BIN_DIR/diamond-ingest ARGS...` with exactly ENV (see
// ProcessEnv), stdout and stderr appended to LOG_PATH. Returns the PID (the
// caller reaps it).
pid_t SpawnDiamondIngest(const std::vector<std::string>& args, const std::vector<std::string>& env,
                         const std::string& log_path);
// True when PID has exited (reaped; *STATUS set when given). BLOCK waits.
bool Reaped(pid_t pid, int* status = nullptr, bool block = false);
// Sends SIG to PID and reaps it.
void KillAndReap(pid_t pid, int sig);
// "exit 0", "signal 9", ...
std::string DescribeWaitStatus(int status);
// Runs a `diamond-ingest` command to its end; returns its exit code (-1: signal, -2: timeout).
int RunDiamondIngest(const std::vector<std::string>& args, const std::vector<std::string>& env,
                     const std::string& log_path, std::chrono::seconds timeout);

// The real processes of a scenario: `diamond-ingest work` processes and one
// `diamond-ingest consolidate`, all with one environment, logging to LOG_DIR
// (worker-SLOT.log, consolidator.log; schedule.log for ScheduleFull). The
// destructor SIGKILLs and reaps whatever still runs.
class ScenarioProcesses {
 public:
  explicit ScenarioProcesses(std::string log_dir) : log_dir_(std::move(log_dir)) {}
  ~ScenarioProcesses() { StopAll(SIGKILL); }
  ScenarioProcesses(const ScenarioProcesses&) = delete;
  ScenarioProcesses& operator=(const ScenarioProcesses&) = delete;

  // The environment of every process started from now on ("NAME=value").
  void set_env(std::vector<std::string> env) { env_ = std::move(env); }
  // Runs `schedule --full` to its end (2 minutes at most) and returns the id
  // of the run it created, read through CONN; "" with a test failure otherwise.
  std::string ScheduleFull(pg::Connection& conn);
  // Starts WORKERS worker processes (slots 0..WORKERS-1) and the consolidator.
  void Start(int workers);
  // SIGKILLs the worker of SLOT, reaps it and starts a replacement; returns its PID.
  pid_t KillAndRestartWorker(int slot);
  // SIGKILLs the consolidator and reaps it; StartConsolidator starts another.
  void KillConsolidator();
  void StartConsolidator();
  // Every worker from slot FIRST_WORKER on, and the consolidator, that exited
  // by itself: a test failure with its wait status, and a replacement.
  // Returns how many had exited.
  int RestartExited(int first_worker = 0);
  // Sends SIG to every process and reaps it.
  void StopAll(int sig);

  pid_t worker(int slot) const { return workers_.at(static_cast<size_t>(slot)); }

 private:
  pid_t StartWorker(int slot);

  std::string log_dir_;
  std::vector<std::string> env_;
  std::vector<pid_t> workers_;
  pid_t consolidator_ = -1;
};

// Lines of the *.log files in DIR that contain any of NEEDLES.
int64_t CountLogLines(const std::string& dir, const std::vector<std::string>& needles);

// One scalar of SQL (int64; -1 when NULL, no row or error).
int64_t Scalar(pg::Connection& conn, const std::string& sql, const pg::Params& params = {});

// The state after a sync compared with the simulator's dump of the feed.
struct SyncCheck {
  int64_t expected = 0;              // stones in the simulator
  int64_t raw_rows = 0;              // rows of raw_diamonds_nivoda (feed)
  int64_t raw_of_other_runs = 0;     // raw rows whose run_id is not the run
  std::string raw_missing_or_stale;  // truth stones absent from raw, or another payload hash
  std::string raw_extra;             // raw stones the simulator does not have
  int64_t raw_duplicates = 0;        // rows - distinct stone ids
  int64_t diamonds_rows = 0;         // rows of `diamonds` (feed)
  std::string diamonds_missing;      // truth stones absent from diamonds
  std::string diamonds_extra;        // diamonds the simulator does not have
  int64_t diamonds_duplicates = 0;
  int64_t diamonds_not_active = 0;  // status <> 'active' or last seen (diamond_last_seen) by another run
  int64_t price_mismatches = 0;     // diamonds.price_cents <> the simulator's price
  int64_t consolidation_failures = 0;
  std::string run_status;
  int64_t expected_partitions = 0, completed_partitions = 0, failed_partitions = 0;
  int64_t partition_rows_completed = 0;  // partition_runs rows of the run with status completed
  int64_t partitions = 0;                // partition_progress rows of the run
  int64_t max_partition_rows = 0;        // most partition_runs rows for one partition id
  int64_t mapped = -1;                   // consolidation_stats.mapped (-1: absent)
  int64_t watermark_rows = 0;            // watermarks rows of the feed
  std::string watermark_run;             // its last_run_id
  int64_t watermark_version = 0;         // effective advances (1 = inserted, never moved again)
  bool watermark_at_updated_to = false;  // last_updated_at = run.updated_to = run.watermark_after
  int64_t queue_left = 0;                // messages still in any queue
  int64_t dead_letters = 0;
};

SyncCheck CheckSync(pg::Connection& conn, const std::string& run_id, const std::vector<SimDumpRow>& truth,
                    const std::string& feed = "natural");
// gtest EXPECTs of an exact, once-only sync.
void ExpectExactSync(const SyncCheck& check);
// Markdown rows "| what | expected | found |" of CHECK (for the summary).
std::string FormatSyncTable(const SyncCheck& check);

// Progress figures polled while a scenario runs.
struct Progress {
  int64_t pages = 0;         // sum of partition_progress.pages_fetched of the run
  int64_t raw_rows = 0;      // raw rows of the run
  int64_t consolidated = 0;  // rows of `diamonds` (the run starts from none)
  int64_t completed_partitions = 0;
  std::string run_status;
};
// REQUIRES: CONN healthy. Errors leave fields 0/empty.
Progress ReadProgress(pg::Connection& conn, const std::string& run_id);

// Seconds as "1.23".
std::string Secs(double seconds);

}  // namespace di::testing::reliability
