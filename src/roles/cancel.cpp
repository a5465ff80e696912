#include "roles/cancel.h"

#include "common/log.h"
#include "store/runs.h"

namespace di {

Result<Cancelled> CancelRun(pg::Pool& pool, const std::string& run_id) {
  DI_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  pg::Transaction tx(*conn);
  DI_RETURN_IF_ERROR(tx.begin_status());
  DI_ASSIGN_OR_RETURN(auto status, store::LockRunStatus(*conn, run_id));
  if (!status) return Status(Code::kNotFound, "no run " + run_id);
  if (*status == "consolidating") {
    return Status(Code::kConflict, "run " + run_id + " is consolidating; it ends by itself (completed or failed)");
  }
  if (*status != "running") {
    return Status(Code::kConflict, "run " + run_id + " has already ended (" + *status + "); nothing to cancel");
  }
  Cancelled done{*status, 0};
  DI_ASSIGN_OR_RETURN(done.partitions, store::CancelOpenPartitions(*conn, run_id));
  DI_RETURN_IF_ERROR(store::SetRunStatus(*conn, run_id, "cancelled", "cancelled by the operator"));
  DI_RETURN_IF_ERROR(tx.Commit());
  log::Warn("run cancelled", {{"run_id", run_id}, {"partitions_cancelled", done.partitions}});
  return done;
}

}  // namespace di
