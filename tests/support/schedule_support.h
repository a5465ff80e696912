// Helpers of the scheduler tests: configuration for a test database and a
// nivoda-sim, plan checks against the simulator's dump, database row counts,
// and running the real diamond-ingest binary (several at once).
//
// Not thread-safe: use from the test's main thread.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/components.h"
#include "config/config.h"
#include "roles/scheduler.h"
#include "sim_process.h"
#include "store/pg.h"

namespace di::testing {

// Settings for a scheduler against DATABASE_URL and the simulator at ENDPOINT:
// the simulator's credentials, a high rate limit, fast retries, JSON logs.
std::map<std::string, std::string> ScheduleEnvironment(const std::string& database_url, const std::string& endpoint);

// LoadConfig over ENV (no .env file); aborts the test binary on a bad value.
Config LoadTestConfig(const std::map<std::string, std::string>& env);

// A Scheduler over components built from ScheduleEnvironment(DATABASE_URL,
// ENDPOINT) plus EXTRA; COMPONENTS must outlive it. nullptr (with a test
// failure) when the components cannot be built.
std::unique_ptr<Scheduler> MakeTestScheduler(const std::string& database_url, const std::string& endpoint,
                                             const std::map<std::string, std::string>& extra,
                                             std::unique_ptr<Components>* components);

// One row of partition_progress.
struct PartitionRow {
  int partition_id = 0;
  int64_t price_min = 0;
  std::optional<int64_t> price_max;
  int64_t expected_records = 0;
};
std::vector<PartitionRow> ReadPartitions(pg::Connection& conn, const std::string& run_id);

// SELECT count(*) FROM TABLE (a fixed table name of ours, never user input).
int64_t CountRows(pg::Connection& conn, const std::string& table);

// The partition ids of RANGES containing PRICE_CENTS (inclusive whole-dollar bounds).
std::vector<int> PartitionsHolding(const std::vector<PartitionRow>& ranges, int64_t price_cents);

// A diamond-ingest process started with an exact environment; stdout and stderr
// go to files in a private temporary directory.
class IngestProcess {
 public:
  // Starts $DI_BIN_DIR/diamond-ingest ARGS with exactly ENV ("NAME=value").
  static IngestProcess Start(const std::vector<std::string>& args, const std::map<std::string, std::string>& env);
  IngestProcess(IngestProcess&&) noexcept;
  ~IngestProcess();

  // Waits for exit; returns the exit code (-1 when killed by a signal).
  int Wait();
  std::string out() const;
  std::string err() const;

 private:
  IngestProcess() = default;
  pid_t pid_ = -1;
  std::string dir_;
  int exit_code_ = -1;
  bool waited_ = false;
};

// Lines of TEXT that are not JSON log objects (do not start with '{').
std::vector<std::string> PlainLines(const std::string& text);

}  // namespace di::testing
