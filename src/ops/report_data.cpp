#include "ops/report_data.h"

#include <cmath>

namespace di {
namespace {

constexpr const char* kHistogramSql =
    "SELECT floor(log(1 + price_cents / 100.0) * $2)::int AS bin, count(*) "
    "FROM raw_diamonds_nivoda WHERE run_id = $1 AND price_cents >= 0 GROUP BY bin ORDER BY bin";

constexpr const char* kRequestsSql =
    "SELECT extract(epoch FROM s.second - r.started_at)::float8, s.requests, s.errors, s.rate_limited, "
    "s.latency_ms_sum FROM request_seconds s JOIN run_metadata r ON r.run_id = s.run_id "
    "WHERE s.run_id = $1 ORDER BY s.second";

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
  DI_ASSIGN_OR_RETURN(auto runs, LoadRuns(conn, run_id, 1, Millis(INT64_MAX / 2)));
  if (runs.empty()) return Status(Code::kNotFound, "no run " + run_id);
  data.run = runs.front();
  DI_ASSIGN_OR_RETURN(data.partitions, LoadPartitions(conn, run_id));

  DI_ASSIGN_OR_RETURN(auto h, conn.Exec(kHistogramSql, {pg::P(run_id), pg::P(kHistogramBinsPerDecade)}));
  std::vector<std::pair<int, int64_t>> bins;
  for (int i = 0; i < h.rows(); ++i) bins.emplace_back(static_cast<int>(h.GetInt64(i, 0)), h.GetInt64(i, 1));
  data.histogram = LogBinsToSamples(bins, kHistogramBinsPerDecade);
  if (data.histogram.empty()) {
    data.histogram_from_partitions = true;
    for (const auto& p : data.partitions) {
      if (p.expected_records <= 0) continue;
      data.histogram.push_back(
          {p.price_min, p.price_max ? std::optional<int64_t>(*p.price_max + 1) : std::nullopt, p.expected_records});
    }
  }

  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kRequestsSql, {pg::P(run_id)}));
  for (int i = 0; i < r.rows(); ++i) {
    data.requests.push_back(
        {r.GetDouble(i, 0), r.GetInt64(i, 1), r.GetInt64(i, 2), r.GetInt64(i, 3), r.GetInt64(i, 4)});
  }
  return data;
}

}  // namespace di
