// RunProgress: the numbers `diamond-ingest run` shows while a run is in flight,
// read from the database (works whichever processes do the work), and their
// rendering as one terminal line or one log line. Pure rendering apart from Read().
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "store/pg.h"

namespace di {

struct RunProgress {
  std::string status;  // running | consolidating | completed | failed
  int expected_partitions = 0;
  int completed_partitions = 0;
  int failed_partitions = 0;
  int64_t expected_offers = 0;
  int64_t fetched_offers = 0;  // stones stored by this run so far
  int64_t pages = 0;
};

Result<RunProgress> ReadRunProgress(pg::Connection& conn, const std::string& run_id);

// "fetch  41,200 / 100,000 offers (41%)  12/30 partitions  24.8 pages/s  ETA 1m12s"
// PAGES_PER_SECOND and ELAPSED_S are measured by the caller.
std::string RenderProgressLine(const RunProgress& p, double pages_per_second, double elapsed_s);

}  // namespace di
