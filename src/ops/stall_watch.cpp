#include "ops/stall_watch.h"

#include "ops/status.h"

namespace di {

Result<int> StallWatch::Check(pg::Connection& conn) {
  DI_ASSIGN_OR_RETURN(auto stalled, LoadStalledRuns(conn, stall_alert_));
  int sent = 0;
  for (const auto& run : stalled) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!alerted_.insert(run.run_id).second) continue;
    }
    std::string minutes = std::to_string(static_cast<int64_t>(run.seconds_since_progress / 60));
    alerts_.Send({"run_stalled", run.run_id, "run " + run.run_id + " has made no progress for " + minutes + " min",
                  "Run " + run.run_id + " is running but none of its partitions has progressed for " + minutes +
                      " minutes (STALL_ALERT_MINUTES=" + std::to_string(stall_alert_.count() / 60000) +
                      "). Are workers running? Inspect: diamond-ingest status --run-id " + run.run_id +
                      "; failed partitions can be re-published with diamond-ingest retry --run-id " + run.run_id});
    ++sent;
  }
  return sent;
}

}  // namespace di
