#include "ops/report_data.h"

#include <cmath>

namespace di {
namespace {

constexpr const char* kRecordedBinsSql = "SELECT bin, offers FROM run_price_bins WHERE run_id = $1 ORDER BY bin";
constexpr const char* kHistogramSql =
    "SELECT floor(log(1 + price_cents::float8 / 100) * $2)::int AS bin, count(*) "
    "FROM raw_diamonds_nivoda WHERE run_id = $1 AND price_cents >= 0 GROUP BY bin ORDER BY bin";
constexpr const char* kLaterRunsSql =
    "SELECT count(*) FROM run_metadata l JOIN run_metadata r ON r.run_id = $1"
    " WHERE l.feed = r.feed AND l.started_at > r.started_at";

constexpr const char* kRequestsSql =
    "SELECT extract(epoch FROM s.second - r.started_at)::float8, s.requests, s.errors, s.rate_limited, "
    "s.retries, s.latency_ms_sum FROM request_seconds s JOIN run_metadata r ON r.run_id = s.run_id "
    "WHERE s.run_id = $1 ORDER BY s.second";

// Dead letters of the PostgreSQL queue whose message names the run (work items
// and consolidation requests carry its id; a Service Bus queue keeps its dead
// letters in the broker).
constexpr const char* kDeadLettersSql =
    "SELECT queue, reason, coalesce(description, ''),"
    " to_char(dead_lettered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " FROM queue_dead_letters WHERE strpos(body, '\"' || $1 || '\"') > 0 ORDER BY dead_lettered_at";

int64_t BinLowerDollars(int bin, int per_decade) {
  return static_cast<int64_t>(std::floor(std::pow(10.0, static_cast<double>(bin) / per_decade) - 1.0 + 1e-9));
}

}  // namespace

std::vector<plan::DensitySample> LogBinsToSamples(const std::vector<std::pair<int, int64_t>>& bins,
                                                  int bins_per_decade) {
  std::vector<plan::DensitySample> out;
  for (const auto& [bin, count] : bins) {
    const int64_t from = BinLowerDollars(bin, bins_per_decade);
    const int64_t to = std::max(from + 1, BinLowerDollars(bin + 1, bins_per_decade));
    if (!out.empty() && out.back().from_dollars == from) {
      out.back().count += count;
      out.back().to_dollars = std::max(*out.back().to_dollars, to);
      continue;
    }
    if (!out.empty() && *out.back().to_dollars > from) out.back().to_dollars = from;  // keep bins disjoint
    out.push_back({from, to, count});
  }
  return out;
}

Result<ReportData> LoadReportData(pg::Connection& conn, const std::string& run_id, double rate_limit) {
  ReportData data;
  data.rate_limit = rate_limit;
  data.generated_at = FormatIso8601(DefaultClock().Now());
  DI_ASSIGN_OR_RETURN(std::optional<store::RunRow> row, store::ReadRun(conn, run_id));
  if (!row) return Status(Code::kNotFound, "no run " + run_id);
  DI_ASSIGN_OR_RETURN(auto runs, LoadRuns(conn, run_id, 1, Millis(INT64_MAX / 2)));
  if (runs.empty()) return Status(Code::kNotFound, "no run " + run_id);
  data.run = runs.front();
  data.consolidation = row->consolidation;
  data.offers_unstorable = row->offers_unstorable;
  data.unstorable_sightings = row->unstorable_sightings;
  DI_ASSIGN_OR_RETURN(data.partitions, LoadPartitions(conn, run_id));
  DI_ASSIGN_OR_RETURN(auto later, conn.Exec(kLaterRunsSql, {pg::P(run_id)}));
  data.later_runs = static_cast<int>(later.GetInt64(0, 0));

  auto bins_of = [](const pg::QueryResult& r) {
    std::vector<std::pair<int, int64_t>> bins;
    for (int i = 0; i < r.rows(); ++i) bins.emplace_back(static_cast<int>(r.GetInt64(i, 0)), r.GetInt64(i, 1));
    return bins;
  };
  DI_ASSIGN_OR_RETURN(auto recorded, conn.Exec(kRecordedBinsSql, {pg::P(run_id)}));
  data.histogram_source = HistogramSource::kRecorded;
  data.histogram = LogBinsToSamples(bins_of(recorded), kHistogramBinsPerDecade);
  if (data.histogram.empty()) {
    DI_ASSIGN_OR_RETURN(auto h, conn.Exec(kHistogramSql, {pg::P(run_id), pg::P(kHistogramBinsPerDecade)}));
    data.histogram_source = HistogramSource::kRawRows;
    data.histogram = LogBinsToSamples(bins_of(h), kHistogramBinsPerDecade);
  }
  if (data.histogram.empty()) {
    bool fetched = false;
    for (const auto& p : data.partitions) fetched = fetched || p.records > 0;
    data.histogram_source = fetched ? HistogramSource::kPartitionsFetched : HistogramSource::kPartitionsExpected;
    for (const auto& p : data.partitions) {
      const int64_t n = fetched ? p.records : p.expected_records;
      if (n <= 0) continue;
      data.histogram.push_back({p.price_min, p.price_max ? std::optional<int64_t>(*p.price_max + 1) : std::nullopt, n});
    }
  }
  for (const auto& s : data.histogram) data.histogram_offers += s.count;

  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kRequestsSql, {pg::P(run_id)}));
  for (int i = 0; i < r.rows(); ++i) {
    data.requests.push_back(
        {r.GetDouble(i, 0), r.GetInt64(i, 1), r.GetInt64(i, 2), r.GetInt64(i, 3), r.GetInt64(i, 4), r.GetInt64(i, 5)});
  }
  DI_ASSIGN_OR_RETURN(auto d, conn.Exec(kDeadLettersSql, {pg::P(run_id)}));
  for (int i = 0; i < d.rows(); ++i) {
    data.dead_letters.push_back({d.GetString(i, 0), d.GetString(i, 1), d.GetString(i, 2), d.GetString(i, 3)});
  }
  return data;
}

}  // namespace di
