// A pipeline on real servers for the worker's tests: a fresh PostgreSQL
// database, a real nivoda-sim process, the components wired as the binary
// wires them, and helpers to schedule a run and compare the raw table with the
// simulator's ground truth.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/components.h"
#include "app/scheduler.h"
#include "app/worker.h"
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

  // Schedules a full run (at most MAX_PARTITIONS); returns its id.
  std::string ScheduleFull(int max_partitions = 30);
  WorkerOptions FastWorkerOptions() const;
  // Runs a worker until the run's sweep has sent its consolidation message,
  // the run failed, or TIMEOUT; returns true when the consolidation was sent.
  bool WorkUntilConsolidation(const std::string& run_id, Millis timeout, const WorkerOptions& options);
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

}  // namespace di::testing
