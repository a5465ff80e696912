// diamond-ingest changes --run-id ID [--change KIND] [--limit N]: the stones a
// run's consolidation added, changed, deleted and undeleted (ops/changes.h).
// Reads only. Exit 1 with one stderr line for an unknown run or a database
// error; 2 for a change kind that does not exist.
#include <cstdio>

#include "app/commands.h"
#include "app/components.h"
#include "ops/changes.h"

namespace di {
namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "diamond-ingest changes: %s\n", s.ToString().c_str());
  return kExitFailure;
}

}  // namespace

int RunChanges(const Config& config, const ChangesOptions& options) {
  if (options.limit < 0) {
    std::fprintf(stderr, "diamond-ingest changes: --limit must be 0 (all) or more\n");
    return kExitUsage;
  }
  ComponentNeeds needs;
  needs.nivoda = false;
  needs.pool_size = 1;
  auto c = BuildComponents(config, needs);
  if (!c.ok()) return Fail(c.status());
  auto conn = c->pool->Acquire();
  if (!conn.ok()) return Fail(conn.status());
  auto changes = LoadRunChanges(conn->get(), {options.run_id, options.change, options.limit});
  if (!changes.ok()) {
    if (changes.status().code() != Code::kInvalidArgument) return Fail(changes.status());
    std::fprintf(stderr, "diamond-ingest changes: %s\n", changes.status().message().c_str());
    return kExitUsage;
  }
  if (!*changes) {
    std::fprintf(stderr, "diamond-ingest changes: no run %s\n", options.run_id.c_str());
    return kExitFailure;
  }
  const std::string text = FormatRunChanges(**changes);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace di
