// Dead letters and their runs (invariant 7: every run reaches a terminal
// state whatever happens to its messages). A message dead-lettered because its
// deliveries ran out has a consequence, applied by DeadLetterConsequence in
// the transaction that dead-letters it (PostgreSQL queue) or that takes it
// from the broker's dead-letter queue (Service Bus, SweepDeadLetters):
//   work item of a partition  -> the partition ends as failed, its error naming
//                                the reason; the run's next step follows (70% rule)
//   work item of a run's sweep -> the consolidation is sent with force (as when
//                                the sweep gives up), if the run is still running
//   consolidation message     -> the run fails, if it is consolidating or
//                                running with every partition ended
//   anything else (malformed) -> nothing: it is only recorded
// Each is idempotent (a partition ends once; a run fails once).
//
// Thread-safety: the hook may be called from any thread; QUEUE and ALERTS
// must outlive it and be thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cloud/alert_sink.h"
#include "queue/queue.h"
#include "roles/partition_end.h"
#include "store/pool.h"

namespace di {

// The consequence of a dead letter of OPTIONS.work_queue or
// OPTIONS.consolidate_queue, as a queue::DeadLetterHook.
queue::DeadLetterHook DeadLetterConsequence(queue::Queue& queue, std::shared_ptr<cloud::AlertSink> alerts,
                                            CompletionOptions options);

// Applies HOOK to the dead letters of both queues not handled yet (at most
// 100 each a call). Returns how many were handled.
Result<int> SweepDeadLetters(queue::Queue& queue, const queue::DeadLetterHook& hook, const CompletionOptions& options);

// Which dead letters `dead-letters redrive` sends again: the one with ID, or
// every one of QUEUE (every queue when unset).
struct RedriveRequest {
  std::optional<std::string> queue;
  std::optional<int64_t> id;
};
struct Redriven {
  int messages = 0;    // sent again
  int partitions = 0;  // of them, work items whose failed partition was reset to pending
};

// In one transaction: removes the chosen dead letters from queue_dead_letters
// and sends each again (new dedup id). A work item whose partition failed
// (because of its dead-lettering, or before) resets that partition as `retry`
// does (pending, the run's failed count undone, the run running again), unless
// the run was cancelled; any other message goes back as it was.
Result<Redriven> RedriveDeadLetters(pg::Pool& pool, queue::Queue& queue, const CompletionOptions& options,
                                    const RedriveRequest& request);

}  // namespace di
