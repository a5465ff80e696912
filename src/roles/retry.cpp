#include "roles/retry.h"

#include "common/log.h"
#include "queue/messages.h"
#include "store/runs.h"

namespace di {

Result<std::vector<int>> RetryFailedPartitions(pg::Pool& pool, queue::Queue& queue, const std::string& work_queue,
                                               const std::string& run_id, std::optional<int> partition) {
  DI_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  pg::Transaction tx(*conn);
  DI_RETURN_IF_ERROR(tx.begin_status());
  DI_ASSIGN_OR_RETURN(auto status, store::LockRunStatus(*conn, run_id));
  if (!status) return Status(Code::kNotFound, "no run " + run_id);
  if (*status == "cancelled") return Status(Code::kConflict, "run " + run_id + " was cancelled; schedule a new run");
  DI_ASSIGN_OR_RETURN(auto failed, store::ResetFailedPartitions(*conn, run_id, partition));
  std::vector<int> ids;
  int64_t publication = DefaultClock().MonotonicMs();  // distinct from the original publication (0)
  for (const auto& f : failed) {
    DI_RETURN_IF_ERROR(queue.SendInTransaction(
        *conn, {work_queue, f.work_item_json,
                queue::WorkItemDedupId(run_id, f.partition_id, static_cast<int>(publication % 1000000000) + 1),
                std::nullopt}));
    ids.push_back(f.partition_id);
  }
  DI_RETURN_IF_ERROR(tx.Commit());
  log::Info("failed partitions re-published", {{"run_id", run_id}, {"partitions", static_cast<int64_t>(ids.size())}});
  return ids;
}

}  // namespace di
