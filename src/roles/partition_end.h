// Ending a partition: the one transaction that marks it completed or failed
// (once, whatever the number of deliveries), bumps the run's counter and, when
// it was the last one, sends what the completion policy decides through the
// queue in the same transaction: for a full run a sweep work item (which
// sends the consolidation when done), for an incremental run the
// consolidation itself (now, or later with force); or fails the run. Alerts
// are sent after the commit. The parts (EndPartitionInTransaction,
// ReportPartitionEnd) serve callers that own the transaction (dead letters).
#pragma once

#include <optional>
#include <string>

#include "cloud/alert_sink.h"
#include "common/clock.h"
#include "config/config.h"
#include "queue/messages.h"
#include "queue/queue.h"
#include "roles/completion_policy.h"
#include "store/pool.h"
#include "store/runs.h"

namespace di {

struct CompletionOptions {
  double success_threshold = 0.7;
  Millis consolidation_delay{300000};
  std::string consolidate_queue = queue::kConsolidate;
  std::string work_queue = queue::kWorkItems;
};

// From the configuration (SUCCESS_THRESHOLD, CONSOLIDATION_DELAY_SECONDS, the queue names).
CompletionOptions CompletionOptionsFrom(const Config& config);

// Sends the consolidation of RUN_ID on TX: now, or after the delay with force.
Status SendConsolidation(pg::Connection& tx, queue::Queue& queue, const std::string& run_id, bool force,
                         const CompletionOptions& options);

struct PartitionEnd {
  queue::WorkItem item;  // the partition's work item (run, feed, window)
  std::string run_id;
  int partition_id = 0;
  bool succeeded = false;
  int64_t records = 0;
  std::string error;  // when failed
};

struct PartitionEnded {
  ingest::RunOutcome outcome = ingest::RunOutcome::kStillRunning;
  store::RunCountersRow counters;  // after this end
};

// The partition's end and the run's next step, on TX (an open transaction).
// nullopt when the partition had already ended (or was cancelled): nothing written.
Result<std::optional<PartitionEnded>> EndPartitionInTransaction(pg::Connection& tx, queue::Queue& queue,
                                                                const PartitionEnd& end,
                                                                const CompletionOptions& options);
// Logs the end and sends the alerts of its outcome; after the commit.
void ReportPartitionEnd(cloud::AlertSink& alerts, const PartitionEnd& end, const PartitionEnded& ended,
                        const CompletionOptions& options);

// Both, in a transaction of its own. Returns the run's outcome, or nullopt
// when the partition had already ended.
Result<std::optional<ingest::RunOutcome>> EndPartitionAndDecide(pg::Pool& pool, queue::Queue& queue,
                                                                cloud::AlertSink& alerts, const PartitionEnd& end,
                                                                const CompletionOptions& options);

}  // namespace di
