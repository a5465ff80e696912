#include "roles/dead_letters.h"

#include "common/log.h"
#include "queue/dead_letter_store.h"
#include "queue/messages.h"
#include "store/runs.h"

namespace di {
namespace {

constexpr int kSweepBatch = 100;

std::string Why(const queue::DeadLetterRecord& d) {
  std::string why = "dead-lettered: " + (d.reason.empty() ? std::string("no reason given") : d.reason);
  if (!d.description.empty()) why += " (" + d.description + ")";
  return why;
}

// A work item of a partition: the partition fails; of a sweep: forced consolidation.
Result<queue::AfterCommit> WorkItemDeadLettered(pg::Connection& tx, queue::Queue& queue,
                                                const std::shared_ptr<cloud::AlertSink>& alerts,
                                                const CompletionOptions& options, const queue::DeadLetterRecord& d,
                                                const queue::WorkItem& item) {
  if (item.sweep) {
    DI_ASSIGN_OR_RETURN(auto status, store::LockRunStatus(tx, item.run_id));
    if (status != "running") return queue::AfterCommit();  // consolidation already under way, or no run
    DI_RETURN_IF_ERROR(SendConsolidation(tx, queue, item.run_id, /*force=*/true, options));
    return queue::AfterCommit([run = item.run_id, why = Why(d)] {
      log::Error("run catch-up " + why + "; consolidating with force (no soft delete)", {{"run_id", run}});
    });
  }
  PartitionEnd end{item, item.run_id, item.partition_id, /*succeeded=*/false, 0, "work item " + Why(d)};
  DI_ASSIGN_OR_RETURN(auto ended, EndPartitionInTransaction(tx, queue, end, options));
  if (!ended) return queue::AfterCommit();  // already ended, cancelled or unknown
  return queue::AfterCommit([alerts, end, ended = *ended, options] {
    log::Error("partition failed", {{"run_id", end.run_id}, {"partition_id", end.partition_id}, {"error", end.error}});
    ReportPartitionEnd(*alerts, end, ended, options);
  });
}

Result<queue::AfterCommit> ConsolidationDeadLettered(pg::Connection& tx,
                                                     const std::shared_ptr<cloud::AlertSink>& alerts,
                                                     const queue::DeadLetterRecord& d, const std::string& run_id) {
  const std::string error = "consolidation " + Why(d);
  DI_ASSIGN_OR_RETURN(bool failed, store::FailRunAwaitingConsolidation(tx, run_id, error));
  if (!failed) return queue::AfterCommit();
  return queue::AfterCommit([alerts, run_id, error] {
    log::Error("run failed", {{"run_id", run_id}, {"error", error}});
    alerts->Send({"run_failed", run_id, "run " + run_id + " failed: " + error,
                  "The consolidation of run " + run_id + " was " + error +
                      ". The watermark did not move. To consolidate it by hand: diamond-ingest consolidate --run-id " +
                      run_id + " --force"});
  });
}

}  // namespace

queue::DeadLetterHook DeadLetterConsequence(queue::Queue& queue, std::shared_ptr<cloud::AlertSink> alerts,
                                            CompletionOptions options) {
  return [&queue, alerts = std::move(alerts), options = std::move(options)](
             pg::Connection& tx, const queue::DeadLetterRecord& d) -> Result<queue::AfterCommit> {
    if (d.queue == options.work_queue) {
      auto item = queue::DecodeWorkItem(d.body);
      if (!item.ok()) return queue::AfterCommit();
      return WorkItemDeadLettered(tx, queue, alerts, options, d, *item);
    }
    if (d.queue == options.consolidate_queue) {
      auto request = queue::DecodeConsolidate(d.body);
      if (!request.ok()) return queue::AfterCommit();
      return ConsolidationDeadLettered(tx, alerts, d, request->run_id);
    }
    return queue::AfterCommit();
  };
}

Result<int> SweepDeadLetters(queue::Queue& queue, const queue::DeadLetterHook& hook, const CompletionOptions& options) {
  int handled = 0;
  for (const std::string& name : {options.work_queue, options.consolidate_queue}) {
    DI_ASSIGN_OR_RETURN(int n, queue.SweepDeadLetters(name, kSweepBatch, hook));
    handled += n;
  }
  if (handled > 0) log::Warn("dead letters applied to their runs", {{"dead_letters", handled}});
  return handled;
}

Result<Redriven> RedriveDeadLetters(pg::Pool& pool, queue::Queue& queue, const CompletionOptions& options,
                                    const RedriveRequest& request) {
  DI_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  pg::Transaction tx(*conn);
  DI_RETURN_IF_ERROR(tx.begin_status());
  DI_ASSIGN_OR_RETURN(auto taken, queue::TakeDeadLetters(*conn, request.queue, request.id));
  const std::string stamp = std::to_string(DefaultClock().Now().time_since_epoch().count());
  Redriven done;
  for (const auto& d : taken) {
    const std::string dedup =
        (d.dedup_id.empty() ? "dead-letter-" + std::to_string(d.id) : d.dedup_id) + ":redrive:" + stamp;
    if (d.queue == options.work_queue) {
      auto item = queue::DecodeWorkItem(d.body);
      if (item.ok() && !item->sweep) {
        DI_ASSIGN_OR_RETURN(auto status, store::LockRunStatus(*conn, item->run_id));
        if (status && *status != "cancelled") {
          DI_ASSIGN_OR_RETURN(auto reset, store::ResetFailedPartitions(*conn, item->run_id, item->partition_id));
          done.partitions += static_cast<int>(reset.size());
        }
      }
    }
    DI_RETURN_IF_ERROR(queue.SendInTransaction(*conn, {d.queue, d.body, dedup, std::nullopt}));
    ++done.messages;
  }
  DI_RETURN_IF_ERROR(tx.Commit());
  log::Info("dead letters redriven", {{"messages", done.messages}, {"partitions_reset", done.partitions}});
  return done;
}

}  // namespace di
