#include "app/partition_end.h"

#include "common/log.h"
#include "queue/messages.h"
#include "store/runs.h"

namespace di {

Result<std::optional<ingest::RunOutcome>> EndPartitionAndDecide(pg::Pool& pool, queue::Queue& queue,
                                                                cloud::AlertSink& alerts, const PartitionEnd& end,
                                                                const CompletionOptions& options) {
  DI_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  pg::Transaction tx(*conn);
  DI_RETURN_IF_ERROR(tx.begin_status());
  DI_ASSIGN_OR_RETURN(auto counters, store::EndPartition(*conn, end.run_id, end.partition_id, end.succeeded,
                                                         end.records, end.error));
  if (!counters) return std::optional<ingest::RunOutcome>();  // a duplicate: nothing to do (rolled back)
  ingest::RunOutcome outcome =
      ingest::DecideRunOutcome({counters->expected, counters->completed, counters->failed}, options.success_threshold);
  switch (outcome) {
    case ingest::RunOutcome::kStillRunning:
      break;
    case ingest::RunOutcome::kConsolidateNow:
      DI_RETURN_IF_ERROR(queue.SendInTransaction(
          *conn, {options.consolidate_queue, queue::EncodeConsolidate({end.run_id, false}),
                  queue::ConsolidateDedupId(end.run_id, false), std::nullopt}));
      break;
    case ingest::RunOutcome::kConsolidateForcedLater:
      DI_RETURN_IF_ERROR(queue.SendInTransaction(
          *conn, {options.consolidate_queue, queue::EncodeConsolidate({end.run_id, true}),
                  queue::ConsolidateDedupId(end.run_id, true), DefaultClock().Now() + options.consolidation_delay}));
      break;
    case ingest::RunOutcome::kFailRun:
      DI_RETURN_IF_ERROR(store::SetRunStatus(*conn, end.run_id, "failed",
                                             std::to_string(counters->failed) + " of " +
                                                 std::to_string(counters->expected) + " partitions failed"));
      break;
  }
  DI_RETURN_IF_ERROR(tx.Commit());
  log::Info("partition ended", {{"run_id", end.run_id}, {"partition_id", end.partition_id},
                                {"succeeded", end.succeeded}, {"records", end.records},
                                {"completed", counters->completed}, {"failed", counters->failed},
                                {"expected", counters->expected}, {"outcome", ingest::RunOutcomeName(outcome)}});
  std::string counts = std::to_string(counters->completed) + " of " + std::to_string(counters->expected) +
                       " partitions succeeded, " + std::to_string(counters->failed) + " failed";
  if (outcome == ingest::RunOutcome::kConsolidateForcedLater) {
    alerts.Send({"consolidation_forced", end.run_id, "run " + end.run_id + ": forced consolidation scheduled",
                 counts + ". Consolidation will run with force in " +
                     std::to_string(options.consolidation_delay.count() / 1000) +
                     " s; stones are not soft-deleted on a forced run. To fetch the failed partitions first: "
                     "diamond-ingest retry --run-id " + end.run_id});
  } else if (outcome == ingest::RunOutcome::kFailRun) {
    alerts.Send({"run_failed", end.run_id, "run " + end.run_id + " failed: " + counts,
                 counts + " (below the success threshold); nothing was consolidated and the watermark did not "
                          "move. Inspect: diamond-ingest status --run-id " + end.run_id +
                     "; re-run the failed partitions: diamond-ingest retry --run-id " + end.run_id});
  }
  return std::optional<ingest::RunOutcome>(outcome);
}

}  // namespace di
