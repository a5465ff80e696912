// Runs: typed queries over run_metadata, partition_runs and partition_progress.
//
// Every state change that implies a message takes the caller's open
// transaction, so the change and the message commit together. Functions take
// a Connection and are as thread-safe as that connection (one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/pg.h"

namespace di::store {

struct NewRun {
  std::string run_id;
  std::string feed;
  std::string run_type;                         // full | incremental
  std::optional<std::string> watermark_before;  // ISO-8601
  std::optional<std::string> updated_from;
  std::string updated_to;
  int count_queries = 0;
  // More partitions follow (AddPartitions, then FinishPlanning): the run is
  // recorded with planning = true and expected_partitions one more than the
  // partitions given, so its counters cannot complete it yet.
  bool planning = false;
  std::optional<int64_t> expected_records;  // unset: the partitions' sum
};

struct NewPartition {
  int partition_id = 0;
  int64_t price_min = 0;
  std::optional<int64_t> price_max;
  int64_t expected_records = 0;
  std::string work_item_json;  // the original work item, kept for retry
};

// Inserts the run and one partition_runs + partition_progress row per partition.
// REQUIRES: an open transaction on CONN.
Status InsertRun(pg::Connection& conn, const NewRun& run, const std::vector<NewPartition>& partitions);

// Adds partitions to a run still planning and raises its expected_partitions
// by as many (it stays one more than the partitions recorded).
// REQUIRES: an open transaction on CONN.
Status AddPartitions(pg::Connection& conn, const std::string& run_id, const std::vector<NewPartition>& partitions);

// Ends the planning of RUN_ID: its expected_partitions becomes the number of
// its partitions, count_queries is set, planning false.
// REQUIRES: an open transaction on CONN.
Status FinishPlanning(pg::Connection& conn, const std::string& run_id, int count_queries);

// Fails every run still planning (`running` with planning = true; only RUN_ID
// when set) with ERROR_MESSAGE and cancels its open partitions, in one
// transaction of its own; returns their ids. REQUIRES: no scheduler is
// planning them (the caller holds the scheduler lock, or is their scheduler).
Result<std::vector<std::string>> FailRunsStillPlanning(pg::Connection& conn, const std::string& error_message,
                                                       const std::optional<std::string>& run_id = std::nullopt);

// run_id of a run of FEED still in flight (running or consolidating), if any.
Result<std::optional<std::string>> RunInFlight(pg::Connection& conn, const std::string& feed);

enum class ClaimResult { kClaimed, kAlreadyEnded, kUnknown };
// Marks the partition running for WORKER_ID (attempts + 1) unless it already ended.
Result<ClaimResult> ClaimPartition(pg::Connection& conn, const std::string& run_id, int partition_id,
                                   const std::string& worker_id);

struct Checkpoint {
  int64_t next_offset = 0;
  // paging (nothing stored yet) | suffix (every survivor from next_offset
  // upwards is stored; see src/ingest/README.md) | done
  std::string phase = "paging";
  int64_t pages_fetched = 0;
  int64_t records_fetched = 0;
};
Result<Checkpoint> LoadCheckpoint(pg::Connection& conn, const std::string& run_id, int partition_id);
// Moves the checkpoint forward: within phase "suffix" next_offset only
// shrinks, within another phase it only grows; a new phase takes its offset.
Status SaveCheckpoint(pg::Connection& conn, const std::string& run_id, int partition_id, const Checkpoint& cp);

struct RunCountersRow {
  int expected = 0;
  int completed = 0;
  int failed = 0;
};
// Ends the partition (completed or failed) exactly once and bumps the run's
// counter in the same statement sequence. Returns the counters after the bump,
// or nullopt when the partition had already ended (a duplicate delivery).
// REQUIRES: an open transaction on CONN.
Result<std::optional<RunCountersRow>> EndPartition(pg::Connection& conn, const std::string& run_id, int partition_id,
                                                   bool succeeded, int64_t records, const std::string& error_message);

// Sets the run's status (and completed_at for completed, failed, cancelled) and an optional error.
Status SetRunStatus(pg::Connection& conn, const std::string& run_id, const std::string& status,
                    const std::string& error_message = "");

// The run's status, its row locked until the end of the transaction; nullopt
// when there is no such run. REQUIRES: an open transaction on CONN.
Result<std::optional<std::string>> LockRunStatus(pg::Connection& conn, const std::string& run_id);

// Fails a run whose consolidation cannot happen (its message was
// dead-lettered): only a run that is consolidating, or running with every
// partition ended. Returns whether it was failed.
Result<bool> FailRunAwaitingConsolidation(pg::Connection& conn, const std::string& run_id,
                                          const std::string& error_message);

// Ends every partition of RUN_ID still pending or running as cancelled (their
// ends are then no-ops). Returns how many. REQUIRES: an open transaction on CONN.
Result<int> CancelOpenPartitions(pg::Connection& conn, const std::string& run_id);

// The snapshot time (updated_to) of the latest complete full run of FEED: a
// full run consolidated without force, the only kind that soft-deletes.
Result<std::optional<WallTime>> LastCompleteFullRun(pg::Connection& conn, const std::string& feed);

struct FailedPartition {
  int partition_id = 0;
  int attempts = 0;
  std::string work_item_json;
};
// Failed partitions of RUN_ID (one, if PARTITION is set), reset to pending with
// the run's failed count undone. REQUIRES: an open transaction on CONN.
Result<std::vector<FailedPartition>> ResetFailedPartitions(pg::Connection& conn, const std::string& run_id,
                                                           std::optional<int> partition);

}  // namespace di::store
