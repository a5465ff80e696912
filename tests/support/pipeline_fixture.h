// A pipeline on real servers for the worker's tests: a fresh PostgreSQL
// database, a real nivoda-sim process, the components wired as the binary
// wires them, and helpers to schedule a run and compare the raw table with the
// simulator's ground truth. Also the one launcher of real `diamond-ingest`
// child processes the worker and reliability tests share (started with an
// exact environment, stopped and reaped by PID). Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/components.h"
#include "ratelimit/account_rate_limiter.h"
#include "roles/scheduler.h"
#include "roles/worker.h"
#include "sim_process.h"
#include "test_database.h"

namespace di::testing {

// Alerts kept in memory so tests can assert on them.
class RecordingAlerts final : public cloud::AlertSink {
 public:
  void Send(const cloud::Alert& alert) override;
  std::vector<cloud::Alert> alerts() const;
  bool Has(const std::string& kind) const;

 private:
  mutable std::mutex mu_;
  std::vector<cloud::Alert> alerts_;
};

class Pipeline {
 public:
  explicit Pipeline(std::vector<std::string> sim_flags);
  ~Pipeline();

  // Schedules a full run (at most MAX_PARTITIONS, of at least
  // MIN_RECORDS_PER_PARTITION offers when given) with the in-process client;
  // returns its id ("" on failure, with a test failure). OVERLAP: publish
  // partitions as they become final (SCHEDULE_OVERLAP); RESULT: the
  // scheduler's result, when given; FEED: the feed scheduled. Two feeds may
  // be scheduled at once from two threads.
  std::string ScheduleFull(int max_partitions = 30, std::optional<int64_t> min_records_per_partition = std::nullopt,
                           bool overlap = true, ScheduleResult* result = nullptr, Feed feed = Feed::kNatural);
  // Schedules an incremental run (the watermark must exist).
  std::string ScheduleIncremental();
  WorkerOptions FastWorkerOptions() const;
  // Sends the client's requests through the product's account limiter
  // (PostgreSQL-coordinated, shared fairly between the feeds) at
  // REQUESTS_PER_SECOND instead of the fixture's local one.
  std::shared_ptr<ratelimit::AccountRateLimiter> UseAccountLimiter(double requests_per_second);
  // Consolidates RUN with a real Consolidator from the consolidate queue, until
  // the run is completed or TIMEOUT; returns the run's status.
  std::string Consolidate(const std::string& run, Millis timeout);
  // Runs a worker until the run's sweep has sent its consolidation message
  // (CONSOLIDATIONS messages: one per run scheduled), the run failed, or
  // TIMEOUT; returns true when the consolidations were sent.
  bool WorkUntilConsolidation(const std::string& run_id, Millis timeout, const WorkerOptions& options,
                              int consolidations = 1);
  // Ready or scheduled messages on QUEUE.
  int64_t Pending(const std::string& queue);

  // stone id -> payload hash, for raw rows seen by RUN_ID / in the simulator.
  std::map<std::string, std::string> RawOfRun(const std::string& run_id);
  std::map<std::string, std::string> SimTruth();
  std::string RunStatus(const std::string& run_id);
  // Starts the real `diamond-ingest work [--exit-when-idle]` on this pipeline's
  // database and simulator (environment only, plus EXTRA_ENV "NAME=value").
  // The caller stops it by the returned PID.
  pid_t StartWorkerProcess(const std::vector<std::string>& extra_env, bool exit_when_idle);

  TestDatabase db;
  std::unique_ptr<SimProcess> sim;
  Components components;
  std::shared_ptr<RecordingAlerts> alerts;
};

// "a, b, c (n more)" of the keys of A not in B, or of differing values.
std::string DescribeDifference(const std::map<std::string, std::string>& a,
                               const std::map<std::string, std::string>& b);

// $DI_BIN_DIR/diamond-ingest.
std::string DiamondIngestBin();

// Environment of a `diamond-ingest` process on DATABASE_URL and the simulator
// at ENDPOINT: the simulator's credentials, JSON logs at warn level, metrics
// on a free port, PATH; then OVERRIDES ("NAME=value"), each replacing the
// default of the same name or added after them.
std::vector<std::string> ProcessEnv(const std::string& database_url, const std::string& endpoint,
                                    const std::vector<std::string>& overrides = {});

// How a child's stdout and stderr reach LOG_PATH.
enum class LogMode { kAppend, kTruncate };

// Starts ARGV[0] (a path) with ARGV and exactly ENV, stdin from /dev/null,
// stdout and stderr into LOG_PATH (inherited when LOG_PATH is empty).
// Returns the PID (-1 when fork failed); the caller stops and reaps it.
pid_t SpawnProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                   const std::string& log_path, LogMode mode = LogMode::kAppend);

// SIGTERM to PID, SIGKILL when it is still running after GRACE; reaps it.
// Returns its exit code; -1 when a signal ended it (a SIGKILL after GRACE
// included) or PID <= 0.
int StopProcess(pid_t pid, std::chrono::milliseconds grace);

// The whole text of the file at PATH ("" when unreadable), e.g. a child's log.
std::string ReadFile(const std::string& path);

}  // namespace di::testing
