#include "plan/plan_table.h"

#include <cstdio>

namespace di::plan {

std::string RenderPlanTable(const Plan& plan) {
  char line[160];
  std::string out = "heatmap=" + plan.algorithm + ": " + FormatCount(plan.total_records) + " offers in " +
                    std::to_string(plan.partitions.size()) + " partitions; " + std::to_string(plan.count_queries) +
                    " count queries in " + std::to_string(plan.count_rounds) + " rounds";
  if (plan.attribution_queries > 0) {
    out += " (" + std::to_string(plan.attribution_queries) + " for exact expected offers)";
  }
  std::snprintf(line, sizeof line, "; largest/mean %.2f\n", LargestOverMean(plan));
  out += line;
  if (plan.partitions.empty()) return out + "no offers: no work items\n";
  std::snprintf(line, sizeof line, "%9s  %-28s %15s\n", "partition", "price range (USD, inclusive)", "expected offers");
  out += line;
  for (const Partition& p : plan.partitions) {
    const std::string range =
        FormatDollars(p.price_min) + " - " + (p.price_max ? FormatDollars(*p.price_max) : std::string("open-ended"));
    std::snprintf(line, sizeof line, "%9d  %-28s %15s\n", p.id, range.c_str(), FormatCount(p.expected_records).c_str());
    out += line;
  }
  return out;
}

}  // namespace di::plan
