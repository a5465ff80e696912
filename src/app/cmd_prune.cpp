// diamond-ingest prune: the retention pass of roles/retention.h, on demand.
#include <cstdio>

#include "app/commands.h"
#include "app/components.h"
#include "roles/retention.h"

namespace di {

int RunPrune(const Config& config, const PruneOptions&) {
  ComponentNeeds needs;
  needs.nivoda = false;
  needs.pool_size = 1;
  auto c = BuildComponents(config, needs);
  Result<PruneCounts> pruned = c.ok() ? PruneHistory(*c->pool, MakeRetentionPolicy(config), DefaultClock().Now())
                                      : Result<PruneCounts>(c.status());
  if (!pruned.ok()) {
    std::fprintf(stderr, "diamond-ingest prune: %s\n", pruned.status().ToString().c_str());
    return kExitFailure;
  }
  std::printf(
      "pruned: %lld runs (with their partitions), %lld diamond_changes rows, %lld offer failures, "
      "%lld request_seconds rows, %lld dead letters\n",
      static_cast<long long>(pruned->runs), static_cast<long long>(pruned->diamond_changes),
      static_cast<long long>(pruned->offer_failures), static_cast<long long>(pruned->request_seconds),
      static_cast<long long>(pruned->dead_letters));
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace di
