// diamond-ingest retry --run-id ID [--partition P]: re-publishes failed partitions
// (exit 1 with one line for an unknown or cancelled run). Dead letters not yet
// applied are applied first, so a partition whose item was dead-lettered is retried too.
#include <cstdio>

#include "app/commands.h"
#include "app/components.h"
#include "common/log.h"
#include "roles/retry.h"

namespace di {

int RunRetry(const Config& config, const RetryOptions& options) {
  ComponentNeeds needs;
  needs.nivoda = false;
  auto c = BuildComponents(config, needs);
  if (!c.ok()) {
    std::fprintf(stderr, "diamond-ingest retry: %s\n", c.status().ToString().c_str());
    return kExitFailure;
  }
  if (auto swept = ApplyDeadLetters(*c, config); !swept.ok()) {
    log::Warn("cannot apply the dead letters; continuing", {{"error", swept.status().ToString()}});
  }
  std::optional<int> partition;
  if (options.partition >= 0) partition = options.partition;
  auto ids = RetryFailedPartitions(*c->pool, *c->queue, config.work_items_queue, options.run_id, partition);
  if (!ids.ok()) {
    std::fprintf(stderr, "diamond-ingest retry: %s\n", ids.status().ToString().c_str());
    return kExitFailure;
  }
  std::printf("re-published %zu failed partition(s) of run %s\n", ids->size(), options.run_id.c_str());
  return kExitOk;
}

}  // namespace di
