#include "ops/run_progress.h"

#include <algorithm>
#include <cstdio>

#include "common/strings.h"
#include "ops/status.h"
#include "store/run_row.h"

namespace di {

Result<RunProgress> ReadRunProgress(pg::Connection& conn, const std::string& run_id) {
  DI_ASSIGN_OR_RETURN(std::optional<store::RunRow> run, store::ReadRun(conn, run_id));
  if (!run) return Status(Code::kNotFound, "no run " + run_id);
  RunProgress p;
  p.status = run->status;
  p.expected_partitions = run->expected_partitions;
  p.completed_partitions = run->completed_partitions;
  p.failed_partitions = run->failed_partitions;
  p.expected_offers = run->expected_records;
  p.fetched_offers = run->offers_stored;
  p.pages = run->pages_fetched;
  return p;
}

void RateWindow::Add(double t_s, int64_t value) {
  samples_.emplace_back(t_s, value);
  while (samples_.size() > 2 && samples_.front().first < t_s - window_s_) samples_.pop_front();
}

double RateWindow::PerSecond() const {
  if (samples_.size() < 2) return 0;
  const double dt = samples_.back().first - samples_.front().first;
  if (dt <= 0) return 0;
  return static_cast<double>(samples_.back().second - samples_.front().second) / dt;
}

std::string RenderPlanningLine(int64_t count_queries, double queries_per_second, double elapsed_s) {
  char rate[48];
  std::snprintf(rate, sizeof rate, "  %.1f/s  ", queries_per_second);
  return "plan   " + FormatCount(count_queries) + " count queries" + rate + FormatDuration(elapsed_s);
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
