#include "ops/run_progress.h"

#include <algorithm>
#include <cstdio>

#include "common/strings.h"
#include "ops/status.h"

namespace di {
namespace {
constexpr const char* kProgress =
    "SELECT r.status, r.expected_partitions, r.completed_partitions, r.failed_partitions, r.expected_records,"
    "  (SELECT count(*) FROM raw_diamonds_nivoda WHERE run_id = r.run_id),"
    "  (SELECT coalesce(sum(pages_fetched), 0) FROM partition_progress WHERE run_id = r.run_id)"
    " FROM run_metadata r WHERE r.run_id = $1";

}  // namespace

Result<RunProgress> ReadRunProgress(pg::Connection& conn, const std::string& run_id) {
  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kProgress, {pg::P(run_id)}));
  if (r.rows() == 0) return Status(Code::kNotFound, "no run " + run_id);
  RunProgress p;
  p.status = r.GetString(0, 0);
  p.expected_partitions = static_cast<int>(r.GetInt64(0, 1));
  p.completed_partitions = static_cast<int>(r.GetInt64(0, 2));
  p.failed_partitions = static_cast<int>(r.GetInt64(0, 3));
  p.expected_offers = r.GetInt64(0, 4);
  p.fetched_offers = r.GetInt64(0, 5);
  p.pages = r.GetInt64(0, 6);
  return p;
}

std::string RenderProgressLine(const RunProgress& p, double pages_per_second, double elapsed_s) {
  int64_t expected = std::max<int64_t>(p.expected_offers, 1);
  int percent = static_cast<int>(std::min<int64_t>(100, p.fetched_offers * 100 / expected));
  std::string line = (p.status == "running" ? "fetch  " : p.status + "  ") + FormatCount(p.fetched_offers) + " / " +
                     FormatCount(p.expected_offers) + " offers (" + std::to_string(percent) + "%)  " +
                     std::to_string(p.completed_partitions) + "/" + std::to_string(p.expected_partitions) +
                     " partitions";
  if (p.failed_partitions > 0) line += " (" + std::to_string(p.failed_partitions) + " failed)";
  char rate[48];
  std::snprintf(rate, sizeof rate, "  %.1f pages/s", pages_per_second);
  line += rate;
  if (p.status == "running" && p.fetched_offers > 0 && p.fetched_offers < p.expected_offers) {
    double eta =
        elapsed_s * static_cast<double>(p.expected_offers - p.fetched_offers) / static_cast<double>(p.fetched_offers);
    line += "  ETA " + FormatDuration(eta);
  }
  return line;
}

}  // namespace di
