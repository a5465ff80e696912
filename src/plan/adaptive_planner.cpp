#include "plan/adaptive_planner.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "plan/monotone_curve.h"
#include "plan/partition_builder.h"
#include "plan/tail_counts.h"

namespace di::plan {
namespace {

// Where one boundary's level falls among the known points.
struct Bracket {
  size_t lo = 0;      // last known point with T >= level
  bool open = true;   // no known point above lo: T(lo) is still >= level
  double err_lo = 0;  // T(lo) - level
  double err_hi = 0;  // level - T(hi), when !open
};

Bracket Locate(const std::vector<std::pair<int64_t, int64_t>>& pts, double level) {
  Bracket b;
  // T is non-increasing: find the last point with T >= level.
  auto it = std::partition_point(pts.begin(), pts.end(),
                                 [&](const auto& p) { return static_cast<double>(p.second) >= level; });
  b.lo = static_cast<size_t>(it - pts.begin()) - 1;  // pts[0] is $0 with T = total >= level
  b.err_lo = static_cast<double>(pts[b.lo].second) - level;
  b.open = b.lo + 1 == pts.size();
  if (!b.open) b.err_hi = level - static_cast<double>(pts[b.lo + 1].second);
  return b;
}

MonotoneCurve CurveOf(const std::vector<std::pair<int64_t, int64_t>>& pts) {
  std::vector<double> xs, ys;
  for (const auto& [x, t] : pts) {
    xs.push_back(std::log1p(static_cast<double>(x)));
    ys.push_back(static_cast<double>(t));
  }
  return MonotoneCurve(std::move(xs), std::move(ys));
}

}  // namespace

Result<Plan> PlanAdaptive(const CountBatchFn& count_batch, const PlanOptions& options,
                          const AdaptiveOptions& adaptive) {
  Plan plan;
  plan.algorithm = "adaptive";
  TailCounts tails(&count_batch);
  std::vector<int64_t> probes = adaptive.probe_prices;
  probes.push_back(0);
  DI_RETURN_IF_ERROR(tails.Fetch(probes));

  const int64_t total = tails.Tail(0);
  if (total > 0) {
    const PartitionTarget tgt = ComputeTarget(total, options);
    std::vector<double> levels;
    for (int i = 1; i < tgt.count; ++i) {
      levels.push_back(static_cast<double>(total) - static_cast<double>(total) * i / tgt.count);
    }
    const double tolerance = adaptive.boundary_tolerance * static_cast<double>(tgt.target);

    for (int round = 0; round < adaptive.max_rounds && !levels.empty(); ++round) {
      const auto pts = tails.Points();
      const MonotoneCurve curve = pts.size() >= 2 ? CurveOf(pts) : MonotoneCurve({0, 1}, {1, 0});
      std::set<int64_t> wanted;
      for (double level : levels) {
        const Bracket b = Locate(pts, level);
        const int64_t x_lo = pts[b.lo].first;
        if (b.open) {  // the level lies above every known price: look further out
          wanted.insert(std::max<int64_t>(2 * x_lo, 1000));
          continue;
        }
        const int64_t x_hi = pts[b.lo + 1].first;
        if (std::min(b.err_lo, b.err_hi) <= tolerance || x_hi - x_lo <= 1) continue;
        const double u = curve.Invert(b.lo, level);
        const auto guess = static_cast<int64_t>(std::llround(std::expm1(u)));
        wanted.insert(std::clamp(guess, x_lo + 1, x_hi - 1));
      }
      if (wanted.empty()) break;
      DI_RETURN_IF_ERROR(tails.Fetch({wanted.begin(), wanted.end()}));
    }

    const auto pts = tails.Points();
    std::vector<int64_t> boundaries;
    for (double level : levels) {
      const Bracket b = Locate(pts, level);
      const bool take_hi = !b.open && b.err_hi < b.err_lo;
      boundaries.push_back(pts[b.lo + (take_hi ? 1 : 0)].first);
    }
    plan.partitions = BuildPartitions(tails, boundaries, tgt.target, options);
  }
  plan.total_records = total;
  plan.count_queries = tails.queries();
  plan.count_rounds = tails.rounds();
  plan.density = TailDensity(tails);
  return plan;
}

}  // namespace di::plan
