#include "roles/partition_end.h"

#include "common/log.h"
#include "queue/messages.h"
#include "store/runs.h"

namespace di {

CompletionOptions CompletionOptionsFrom(const Config& config) {
  CompletionOptions o;
  o.success_threshold = config.success_threshold;
  o.consolidation_delay = config.consolidation_delay;
  o.consolidate_queue = config.consolidate_queue;
  o.work_queue = config.work_items_queue;
  return o;
}

Status SendConsolidation(pg::Connection& tx, queue::Queue& queue, const std::string& run_id, bool force,
                         const CompletionOptions& options) {
  std::optional<WallTime> at;
  if (force) at = DefaultClock().Now() + options.consolidation_delay;
  return queue.SendInTransaction(tx, {options.consolidate_queue, queue::EncodeConsolidate({run_id, force}),
                                      queue::ConsolidateDedupId(run_id, force), at});
}

namespace {

// A full run ends with a sweep of the whole axis (see worker.h); an
// incremental run goes straight to consolidation.
Status SendNextStep(pg::Connection& tx, queue::Queue& queue, const PartitionEnd& end, bool force, int failed,
                    const CompletionOptions& options) {
  if (end.item.is_incremental) return SendConsolidation(tx, queue, end.run_id, force, options);
  queue::WorkItem sweep = end.item;
  sweep.partition_id = queue::kSweepPartition;
  sweep.price_min = 0;
  sweep.price_max.reset();
  sweep.expected_records = 0;
  sweep.sweep = true;
  sweep.force = force;
  return queue.SendInTransaction(
      tx, {options.work_queue, queue::EncodeWorkItem(sweep), queue::SweepDedupId(end.run_id, failed), std::nullopt});
}

}  // namespace

Result<std::optional<PartitionEnded>> EndPartitionInTransaction(pg::Connection& tx, queue::Queue& queue,
                                                                const PartitionEnd& end,
                                                                const CompletionOptions& options) {
  DI_ASSIGN_OR_RETURN(auto counters,
                      store::EndPartition(tx, end.run_id, end.partition_id, end.succeeded, end.records, end.error));
  if (!counters) return std::optional<PartitionEnded>();  // a duplicate: nothing to do
  PartitionEnded ended{
      ingest::DecideRunOutcome({counters->expected, counters->completed, counters->failed}, options.success_threshold),
      *counters};
  switch (ended.outcome) {
    case ingest::RunOutcome::kStillRunning:
      break;
    case ingest::RunOutcome::kConsolidateNow:
      DI_RETURN_IF_ERROR(SendNextStep(tx, queue, end, /*force=*/false, counters->failed, options));
      break;
    case ingest::RunOutcome::kConsolidateForcedLater:
      DI_RETURN_IF_ERROR(SendNextStep(tx, queue, end, /*force=*/true, counters->failed, options));
      break;
    case ingest::RunOutcome::kFailRun:
      DI_RETURN_IF_ERROR(store::SetRunStatus(
          tx, end.run_id, "failed",
          std::to_string(counters->failed) + " of " + std::to_string(counters->expected) + " partitions failed"));
      break;
  }
  return std::optional<PartitionEnded>(ended);
}

void ReportPartitionEnd(cloud::AlertSink& alerts, const PartitionEnd& end, const PartitionEnded& ended,
                        const CompletionOptions& options) {
  const store::RunCountersRow& counters = ended.counters;
  log::Info("partition ended", {{"run_id", end.run_id},
                                {"partition_id", end.partition_id},
                                {"succeeded", end.succeeded},
                                {"records", end.records},
                                {"completed", counters.completed},
                                {"failed", counters.failed},
                                {"expected", counters.expected},
                                {"outcome", ingest::RunOutcomeName(ended.outcome)}});
  std::string counts = std::to_string(counters.completed) + " of " + std::to_string(counters.expected) +
                       " partitions succeeded, " + std::to_string(counters.failed) + " failed";
  if (ended.outcome == ingest::RunOutcome::kConsolidateForcedLater) {
    alerts.Send({"consolidation_forced", end.run_id, "run " + end.run_id + ": forced consolidation scheduled",
                 counts + ". Consolidation will run with force in " +
                     std::to_string(options.consolidation_delay.count() / 1000) +
                     " s; stones are not soft-deleted on a forced run. To fetch the failed partitions first: "
                     "diamond-ingest retry --run-id " +
                     end.run_id});
  } else if (ended.outcome == ingest::RunOutcome::kFailRun) {
    alerts.Send({"run_failed", end.run_id, "run " + end.run_id + " failed: " + counts,
                 counts +
                     " (below the success threshold); nothing was consolidated and the watermark did not "
                     "move. Inspect: diamond-ingest status --run-id " +
                     end.run_id + "; re-run the failed partitions: diamond-ingest retry --run-id " + end.run_id});
  }
}

Result<std::optional<ingest::RunOutcome>> EndPartitionAndDecide(pg::Pool& pool, queue::Queue& queue,
                                                                cloud::AlertSink& alerts, const PartitionEnd& end,
                                                                const CompletionOptions& options) {
  DI_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  pg::Transaction tx(*conn);
  DI_RETURN_IF_ERROR(tx.begin_status());
  DI_ASSIGN_OR_RETURN(auto ended, EndPartitionInTransaction(*conn, queue, end, options));
  if (!ended) return std::optional<ingest::RunOutcome>();  // a duplicate (rolled back)
  DI_RETURN_IF_ERROR(tx.Commit());
  ReportPartitionEnd(alerts, end, *ended, options);
  return std::optional<ingest::RunOutcome>(ended->outcome);
}

}  // namespace di
