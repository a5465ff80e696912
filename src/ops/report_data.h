// ReportData: everything `diamond-ingest report` draws for one run, read from
// the pipeline's database: the run summary and partitions (status.h), a
// price histogram of the offers the run stored, and the run's Nivoda requests
// per second (request_seconds, sql/006).
//
// The histogram counts raw_diamonds_nivoda rows whose run_id is the run (the
// last run that saw each stone), binned on a log price axis; for an older run
// later runs have taken some stones, so its histogram is partial. When the
// run stored none, the histogram falls back to the partitions' expected
// records spread over their ranges.
//
// Thread-safety: plain values; LoadReportData uses CONN from the calling thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "ops/status.h"
#include "plan/plan_types.h"
#include "store/pg.h"

namespace di {

struct RequestSecond {
  double offset_seconds = 0;  // since the run's start
  int64_t requests = 0;
  int64_t errors = 0;
  int64_t rate_limited = 0;  // HTTP 429
  int64_t latency_ms_sum = 0;
};

struct ReportData {
  RunSummary run;
  std::vector<PartitionStatus> partitions;
  std::vector<plan::DensitySample> histogram;  // ascending, whole-dollar bins
  bool histogram_from_partitions = false;      // no stored offers: expected records instead
  std::vector<RequestSecond> requests;         // ascending seconds with at least one request
  double rate_limit = 0;                       // requests/s, account-wide (NIVODA_RATE_LIMIT)
  std::string generated_at;
};

// Histogram bins per price decade.
inline constexpr int kHistogramBinsPerDecade = 24;

// kNotFound when RUN_ID names no run.
Result<ReportData> LoadReportData(pg::Connection& conn, const std::string& run_id, double rate_limit);

// Whole-dollar bins from (bin index, count) pairs of the log axis
// bin = floor(log10(1 + dollars) * BINS_PER_DECADE); bins that round to the
// same dollar bounds are merged. Pure; exposed for tests.
std::vector<plan::DensitySample> LogBinsToSamples(const std::vector<std::pair<int, int64_t>>& bins,
                                                  int bins_per_decade);

}  // namespace di
