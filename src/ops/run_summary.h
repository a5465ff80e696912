// RunSummary text: what `diamond-ingest run` prints when its run ends:
// partitions, offers (stored, added, changed, unchanged, deleted, back), bad
// offers (served but not storable, as distinct offers; not mappable),
// requests and wall times. Rendering is pure; WriteRunSummary reads the run
// (store::ReadRun) and never fails silently: an error goes to ERR instead.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "common/status.h"
#include "store/pg.h"
#include "store/run_row.h"

namespace di {

// What the process measured itself.
struct RunTimings {
  double schedule_s = 0;
  double fetch_s = 0;
  double consolidate_s = 0;
  int count_queries = 0;  // to plan the run
  int64_t requests = 0;   // to Nivoda, by this process
};

// Starts with an empty line; one line per topic, each ending in '\n'.
std::string RenderRunSummary(const store::RunRow& run, const RunTimings& timings);

// Reads RUN_ID and writes its summary to OUT. When the read fails, or there
// is no such run, writes one line naming the run and the error to ERR and
// returns that error.
Status WriteRunSummary(pg::Connection& conn, const std::string& run_id, const RunTimings& timings, std::FILE* out,
                       std::FILE* err);

}  // namespace di
