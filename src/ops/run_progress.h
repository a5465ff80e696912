// RunProgress: the numbers `diamond-ingest run` shows while a run is in flight,
// read from the database (works whichever processes do the work), and their
// rendering as one terminal line or one log line. Pure rendering apart from Read().
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>

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

// A steady rate figure: the change of a counter over the samples of the last
// WINDOW_S seconds (at least two samples; 0 before). Pure; not synchronised.
class RateWindow {
 public:
  explicit RateWindow(double window_s = 10) : window_s_(window_s) {}
  // A sample: VALUE of the counter at T_S seconds (non-decreasing T_S).
  void Add(double t_s, int64_t value);
  double PerSecond() const;

 private:
  double window_s_;
  std::deque<std::pair<double, int64_t>> samples_;
};

// "fetch  41,200 / 100,000 offers (41%)  12/30 partitions  24.8 pages/s  ETA 1m 12s"
// PAGES_PER_SECOND (a RateWindow's) and ELAPSED_S are measured by the caller.
std::string RenderProgressLine(const RunProgress& p, double pages_per_second, double elapsed_s);

// "plan   37 count queries  4.1/s  12s": the scheduler's progress before the run exists.
std::string RenderPlanningLine(int64_t count_queries, double queries_per_second, double elapsed_s);

}  // namespace di
