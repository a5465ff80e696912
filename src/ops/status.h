// Status: what `diamond-ingest status` shows, read from the pipeline's
// database and queue: the latest runs, one run's partitions, the queues'
// depths and dead letters, and stall warnings.
//
// LoadStatus() only reads (no locks, no writes). Rendering is pure:
// FormatStatusText() for people (aligned tables), FormatStatusJson() for
// scripts. The JSON field names are stable (additions only):
//
//   {"generated_at": ISO-8601 UTC, "stall_alert_minutes": int,
//    "runs": [Run...], "run": Run + {"partitions": [Partition...]} | null,
//    "queues": [{"name", "ready", "leased", "ready_or_leased", "scheduled", "dead_letters", "error"|null}],
//    "stalls": [{"run_id", "minutes_without_progress"}]}
//   Run: {"run_id", "feed", "run_type", "status", "started_at", "completed_at"|null,
//         "duration_seconds", "partitions": {"expected", "completed", "failed", "running",
//         "pending"}, "offers": {"expected", "fetched"}, "count_queries",
//         "consolidation" (see ConsolidationState), "watermark_before"|null,
//         "watermark_after"|null, "updated_from"|null, "updated_to",
//         "seconds_since_progress", "stalled", "error"|null}
//   Partition: {"partition_id", "price_min", "price_max"|null (open-ended),
//         "status", "phase", "next_offset", "pages", "records", "expected_records",
//         "attempts", "worker_id"|null, "started_at"|null, "completed_at"|null,
//         "progress_at", "error"|null}
// Times are ISO-8601 UTC strings; money in whole dollars; counts are integers.
//
// Thread-safety: plain values and free functions; LoadStatus uses the given
// connection and queue from the calling thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "queue/queue.h"
#include "store/pg.h"

namespace di {

// One run, as in run_metadata plus what its partitions say.
struct RunSummary {
  std::string run_id;
  std::string feed;
  std::string run_type;  // full | incremental
  std::string status;    // running | consolidating | completed | failed
  std::string started_at;
  std::optional<std::string> completed_at;
  double started_epoch = 0;     // seconds since 1970, for charts
  double duration_seconds = 0;  // to consolidation end, run end, or now
  int expected_partitions = 0;
  int completed_partitions = 0;
  int failed_partitions = 0;
  int running_partitions = 0;
  int pending_partitions = 0;
  int64_t expected_records = 0;
  int64_t records_fetched = 0;  // sum of the partitions' checkpointed records
  int count_queries = 0;
  // waiting (partitions in flight) | queued | running | done | failed |
  // skipped (run failed or was cancelled before) | none (nothing to consolidate)
  std::string consolidation;
  std::optional<std::string> watermark_before;
  std::optional<std::string> watermark_after;
  std::optional<std::string> updated_from;
  std::string updated_to;
  double seconds_since_progress = 0;  // since the newest partition_progress update (or start)
  bool stalled = false;               // running and no progress for stall_alert
  std::optional<std::string> error;
};

// One partition: range, checkpoint and the worker's bookkeeping.
struct PartitionStatus {
  int partition_id = 0;
  int64_t price_min = 0;
  std::optional<int64_t> price_max;  // nullopt: open-ended
  std::string status;                // pending | running | completed | failed
  std::string phase;                 // the checkpoint's phase (paging, suffix, done)
  int64_t next_offset = 0;
  int64_t pages = 0;
  int64_t records = 0;
  int64_t expected_records = 0;
  int attempts = 0;
  std::optional<std::string> worker_id;
  std::optional<std::string> started_at;
  std::optional<std::string> completed_at;
  std::optional<double> started_offset_seconds;    // since the run's start
  std::optional<double> completed_offset_seconds;  // since the run's start
  std::string progress_at;                         // partition_progress.updated_at
  std::optional<std::string> error;
};

struct QueueStatus {
  std::string name;
  queue::Depth depth;
  std::optional<std::string> error;  // set when the depth could not be read
};

struct StatusRequest {
  std::optional<std::string> run_id;  // also list this run's partitions
  int limit = 10;                     // latest runs listed
  std::vector<std::string> queues;    // depths of these queues
  Millis stall_alert{30 * 60 * 1000};
};

struct StatusReport {
  std::string generated_at;
  int stall_alert_minutes = 0;
  std::vector<RunSummary> runs;  // newest first
  std::optional<RunSummary> run;
  std::vector<PartitionStatus> partitions;  // of `run`
  std::vector<QueueStatus> queues;
  std::vector<RunSummary> stalls;  // running runs without progress for stall_alert (any age)
};

// The latest runs (newest first), or only RUN_ID. STALL_ALERT decides `stalled`.
Result<std::vector<RunSummary>> LoadRuns(pg::Connection& conn, const std::optional<std::string>& run_id, int limit,
                                         Millis stall_alert);
// Running runs whose partitions have not progressed for STALL_ALERT.
Result<std::vector<RunSummary>> LoadStalledRuns(pg::Connection& conn, Millis stall_alert);
// RUN_ID's partitions by id (empty when it has none).
Result<std::vector<PartitionStatus>> LoadPartitions(pg::Connection& conn, const std::string& run_id);

// Everything `status` shows. kNotFound when REQUEST.run_id names no run.
// A queue whose depth cannot be read is reported with its error, not failed.
Result<StatusReport> LoadStatus(pg::Connection& conn, queue::Queue& queue, const StatusRequest& request);

// Human tables. COLOR adds ANSI emphasis (for terminals).
std::string FormatStatusText(const StatusReport& report, bool color);
// One JSON document (pretty-printed), fields as in the header comment.
std::string FormatStatusJson(const StatusReport& report);

// "1h 02m", "3m 05s", "42s".
std::string FormatDuration(double seconds);

}  // namespace di
