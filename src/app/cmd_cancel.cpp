// diamond-ingest cancel --run-id ID: ends a running run as cancelled (roles/cancel.h).
#include <cstdio>

#include "app/commands.h"
#include "app/components.h"
#include "common/log.h"
#include "roles/cancel.h"

namespace di {

int RunCancel(const Config& config, const CancelOptions& options) {
  ComponentNeeds needs;
  needs.nivoda = false;
  needs.pool_size = 2;
  auto c = BuildComponents(config, needs);
  if (!c.ok()) {
    std::fprintf(stderr, "diamond-ingest cancel: %s\n", log::Redact(c.status().ToString()).c_str());
    return kExitFailure;
  }
  auto cancelled = CancelRun(*c->pool, options.run_id);
  if (!cancelled.ok()) {
    std::fprintf(stderr, "diamond-ingest cancel: %s\n", log::Redact(cancelled.status().message()).c_str());
    return kExitFailure;
  }
  std::printf(
      "run %s cancelled (%d partitions had not ended): nothing of it is consolidated, the watermark stays; "
      "its work items are dropped when delivered\n",
      options.run_id.c_str(), cancelled->partitions);
  return kExitOk;
}

}  // namespace di
