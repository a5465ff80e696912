// Ending a partition: the one transaction that marks it completed or failed
// (once, whatever the number of deliveries), bumps the run's counter and, when
// it was the last one, sends what the completion policy decides through the
// queue in the same transaction: for a full run a sweep work item (which
// sends the consolidation when done), for an incremental run the
// consolidation itself (now, or later with force); or fails the run. Alerts
// are sent after the commit.
#pragma once

#include <optional>
#include <string>

#include "cloud/alert_sink.h"
#include "common/clock.h"
#include "queue/messages.h"
#include "queue/queue.h"
#include "roles/completion_policy.h"
#include "store/pool.h"

namespace di {

struct CompletionOptions {
  double success_threshold = 0.7;
  Millis consolidation_delay{300000};
  std::string consolidate_queue = queue::kConsolidate;
  std::string work_queue = queue::kWorkItems;
};

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

// Returns the run's outcome, or nullopt when the partition had already ended.
Result<std::optional<ingest::RunOutcome>> EndPartitionAndDecide(pg::Pool& pool, queue::Queue& queue,
                                                                cloud::AlertSink& alerts, const PartitionEnd& end,
                                                                const CompletionOptions& options);

}  // namespace di
