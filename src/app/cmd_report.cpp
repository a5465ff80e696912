// diamond-ingest report --run-id ID --out DIR: writes DIR/index.html (report.h).
#include <cstdio>

#include "app/commands.h"
#include "app/components.h"
#include "ops/report.h"

namespace di {

int RunReport(const Config& config, const ReportOptions& options) {
  ComponentNeeds needs;
  needs.nivoda = false;
  needs.pool_size = 1;
  auto c = BuildComponents(config, needs);
  if (!c.ok()) {
    std::fprintf(stderr, "diamond-ingest report: %s\n", c.status().ToString().c_str());
    return kExitFailure;
  }
  auto conn = c->pool->Acquire();
  if (!conn.ok()) {
    std::fprintf(stderr, "diamond-ingest report: %s\n", conn.status().ToString().c_str());
    return kExitFailure;
  }
  auto path = WriteReport(conn->get(), options.run_id, config.nivoda_rate_limit, options.out);
  if (!path.ok()) {
    std::fprintf(stderr, "diamond-ingest report: %s\n", path.status().ToString().c_str());
    return kExitFailure;
  }
  std::printf("%s\n", path->c_str());
  return kExitOk;
}

}  // namespace di
