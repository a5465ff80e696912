// diamond-ingest status [--run-id ID] [--json] [--limit N]: runs, partitions,
// queues and stall warnings (status.h). Reads only.
#include <unistd.h>

#include <cstdio>

#include "app/commands.h"
#include "app/components.h"
#include "ops/status.h"

namespace di {

int RunStatus(const Config& config, const StatusOptions& options) {
  if (options.limit < 1) {
    std::fprintf(stderr, "diamond-ingest status: --limit must be at least 1\n");
    return kExitUsage;
  }
  ComponentNeeds needs;
  needs.nivoda = false;
  needs.pool_size = 2;
  auto c = BuildComponents(config, needs);
  if (!c.ok()) {
    std::fprintf(stderr, "diamond-ingest status: %s\n", c.status().ToString().c_str());
    return kExitFailure;
  }
  auto conn = c->pool->Acquire();
  if (!conn.ok()) {
    std::fprintf(stderr, "diamond-ingest status: %s\n", conn.status().ToString().c_str());
    return kExitFailure;
  }
  StatusRequest request;
  if (!options.run_id.empty()) request.run_id = options.run_id;
  request.limit = options.limit;
  request.queues = {config.work_items_queue, config.consolidate_queue};
  request.stall_alert = config.stall_alert;
  auto report = LoadStatus(conn->get(), *c->queue, request);
  if (!report.ok()) {
    std::fprintf(stderr, "diamond-ingest status: %s\n", report.status().ToString().c_str());
    return kExitFailure;
  }
  const std::string text =
      options.json ? FormatStatusJson(*report) : FormatStatusText(*report, isatty(STDOUT_FILENO) == 1);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace di
