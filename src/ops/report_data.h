// ReportData: everything `diamond-ingest report` draws for one run, read from
// the pipeline's database: the run summary and partitions (status.h), its
// consolidation counts, the offers it could not store, its dead letters, a
// price histogram of the offers it stored, and its Nivoda requests per second
// (request_seconds, sql/006 and sql/011: only requests actually sent).
//
// The histogram describes the run as it was: the bins recorded when its
// consolidation finalized it (run_price_bins, sql/011). A run never
// consolidated has none: its bins are counted from the raw rows that still
// name it (a later run takes over the rows of the stones it sees, so the text
// says how many later runs there are), and when none are left, from its
// partitions' fetched (or, before any, expected) records over their ranges.
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
#include "store/run_row.h"

namespace di {

struct RequestSecond {
  double offset_seconds = 0;  // since the run's start
  int64_t requests = 0;       // sent
  int64_t errors = 0;         // of those, outcome not ok
  int64_t rate_limited = 0;   // of those, HTTP 429
  int64_t retries = 0;        // of those, repeated after a retryable error
  int64_t latency_ms_sum = 0;
};

// Where the histogram's counts come from (see the header comment).
enum class HistogramSource { kRecorded, kRawRows, kPartitionsFetched, kPartitionsExpected };

struct DeadLetter {
  std::string queue;
  std::string reason;
  std::string description;
  std::string at;  // ISO-8601 UTC
};

struct ReportData {
  RunSummary run;
  store::ConsolidationStats consolidation;  // added = inserted, changed = updated, ...
  int64_t offers_unstorable = 0;            // distinct offers served but not storable
  int64_t unstorable_sightings = 0;         // rows in raw_offer_failures (one per sighting)
  int later_runs = 0;                       // runs of the feed started after this one
  std::vector<PartitionStatus> partitions;
  std::vector<plan::DensitySample> histogram;  // ascending, whole-dollar bins
  HistogramSource histogram_source = HistogramSource::kRecorded;
  int64_t histogram_offers = 0;          // the histogram's total
  std::vector<RequestSecond> requests;   // ascending seconds with at least one request
  std::vector<DeadLetter> dead_letters;  // of the PostgreSQL queue, naming the run
  double rate_limit = 0;                 // requests/s, account-wide (NIVODA_RATE_LIMIT)
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
