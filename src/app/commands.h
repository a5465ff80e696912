// Entry points of the diamond-ingest subcommands: per subcommand X, an XOptions
// struct (its own flags) and RunX, implemented in cmd_x.cpp and registered in
// cli.cpp (steps: src/app/README.md, "Adding a subcommand"). The CLI loads and
// validates the Config (exit 2 on a bad value) and initialises logging first,
// then calls RunX on the main thread and exits with its return value.
//
// Contract of RunX: returns kExitOk, kExitFailure (runtime failure, after
// saying why in one log line or one stderr line) or kExitUsage (bad usage
// found late, e.g. contradictory options). It must not read the environment
// (everything is in Config) and must not call exit().
#pragma once

#include <cstdint>
#include <string>

#include "config/config.h"

namespace di {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;  // bad configuration or usage

// diamond-ingest config [--markdown]
struct ConfigOptions {
  bool markdown = false;  // print the settings table (src/config/README.md) instead
};
// Prints the effective configuration to stdout, one "NAME=value  # source"
// line per setting, secrets as ***; or, with --markdown, the settings table.
int RunConfig(const Config& config, const ConfigOptions& options);

// diamond-ingest migrate: applies missing schema migrations (every role also
// does this at start-up).
struct MigrateOptions {};
int RunMigrate(const Config& config, const MigrateOptions& options);

// diamond-ingest work: leases work items and fetches their partitions until
// SIGTERM/SIGINT (or, with --exit-when-idle, until the queue is empty).
struct WorkOptions {
  bool exit_when_idle = false;  // stop once no work item is ready, leased or scheduled
};
int RunWork(const Config& config, const WorkOptions& options);

// diamond-ingest run [--full]: all roles in one process (scheduler, in-process
// workers, consolidator) for one machine, one sync per feed of FEED; resumes a
// run of the feed still in flight instead of scheduling; live progress, then a
// summary. Exit 1 unless every run completed.
struct RunOptions {
  bool full = false;
};
int RunRun(const Config& config, const RunOptions& options);

// diamond-ingest retry --run-id ID [--partition P]: re-publishes the failed
// partitions of a run from their checkpoints (the seeds' worker:retry).
struct RetryOptions {
  std::string run_id;
  int partition = -1;  // -1: every failed partition
};
int RunRetry(const Config& config, const RetryOptions& options);

// diamond-ingest cancel --run-id ID (roles/cancel.h): ends a running run as
// cancelled: nothing of it is consolidated, the watermark stays, a new run of
// its feed may start. Exit 1 for an unknown run or one that has ended.
struct CancelOptions {
  std::string run_id;
};
int RunCancel(const Config& config, const CancelOptions& options);

// diamond-ingest dead-letters list [--queue Q] [--json] [--limit N]: the dead
// letters (PostgreSQL queue, and those taken from Service Bus), newest first.
struct DeadLettersListOptions {
  std::string queue;  // empty: every queue
  bool json = false;
  int limit = 100;
};
int RunDeadLettersList(const Config& config, const DeadLettersListOptions& options);

// diamond-ingest dead-letters redrive [--queue Q] (--id ID | --all)
// (roles/dead_letters.h, RedriveDeadLetters): sends dead letters again; a
// work item's failed partition is reset as `retry` does.
struct DeadLettersRedriveOptions {
  std::string queue;  // empty: every queue
  int64_t id = -1;    // -1: none given
  bool all = false;
};
int RunDeadLettersRedrive(const Config& config, const DeadLettersRedriveOptions& options);

// diamond-ingest schedule [--full] [--force] [--dry-run] [--plot FILE]
// (scheduler.h, src/roles/README-scheduler.md): plans the feed's partitions and
// records a run with its work items; exit 1 with one stderr line when Nivoda or
// the database is unreachable, another scheduler runs, or a run is in flight.
struct ScheduleOptions {
  bool full = false;     // full run even when a watermark exists
  bool force = false;    // start even if a run of the feed is still in flight
  bool dry_run = false;  // print the plan only: no lock, no writes, no messages
  std::string plot;      // write the density histogram SVG here (empty: none)
};
int RunSchedule(const Config& config, const ScheduleOptions& options);

// diamond-ingest consolidate [--run-id ID [--force]] (consolidator.h,
// src/consolidate/README.md): consumes consolidation messages until
// SIGTERM/SIGINT, or consolidates one run and exits (0 when the run is
// completed, 1 when it is not ready, refused, unknown or the pass failed).
struct ConsolidateOptions {
  std::string run_id;  // empty: long-running on the queue
  bool force = false;  // with --run-id: consolidate despite failed partitions
};
int RunConsolidate(const Config& config, const ConsolidateOptions& options);

// diamond-ingest status [--run-id ID] [--json] [--limit N] (status.h): the
// latest runs, one run's partitions, queue depths and dead letters, stall
// warnings; human tables, or JSON with --json (field names in status.h).
struct StatusOptions {
  std::string run_id;  // empty: no partition list
  bool json = false;
  int limit = 10;  // latest runs listed
};
int RunStatus(const Config& config, const StatusOptions& options);

// diamond-ingest report --run-id ID --out DIR (report.h): writes the run's
// self-contained HTML report to DIR/index.html and prints its path.
struct ReportOptions {
  std::string run_id;
  std::string out;
};
int RunReport(const Config& config, const ReportOptions& options);

// diamond-ingest db status|stop (cmd_db.cpp): the embedded PostgreSQL under
// DI_DATA_DIR/pg: whether it runs, where and which version; or a fast shutdown
// by the PID in its postmaster.pid. Never starts it.
struct DbOptions {
  std::string action;  // "status" or "stop"
};
int RunDb(const Config& config, const DbOptions& options);

// diamond-ingest changes --run-id ID [--change KIND] [--limit N]
// (cmd_changes.cpp, ops/changes.h): the stones a run's consolidation added,
// changed, deleted and undeleted, with their current shape, carats, colour,
// clarity, price and status.
struct ChangesOptions {
  std::string run_id;
  std::string change;  // "" = every kind
  int64_t limit = 0;   // 0 = all
};
int RunChanges(const Config& config, const ChangesOptions& options);

// diamond-ingest prune (roles/retention.h): deletes what RUN_HISTORY_*,
// REQUEST_SECONDS_RETENTION_DAYS and DEAD_LETTER_RETENTION_DAYS say is old,
// as the consolidator does after every run it completes, and prints the
// counts. Exit 1 with one stderr line on a database error.
struct PruneOptions {};
int RunPrune(const Config& config, const PruneOptions& options);

}  // namespace di
