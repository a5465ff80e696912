#include "plan/adaptive_planner.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <string>

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

// The known point a bracketed level's boundary takes: the closer of the two.
int64_t BoundaryOf(const std::vector<std::pair<int64_t, int64_t>>& pts, const Bracket& b) {
  const bool take_hi = !b.open && b.err_hi < b.err_lo;
  return pts[b.lo + (take_hi ? 1 : 0)].first;
}

// The partitions no later round is expected to change, when the levels with
// SEARCHING set are the ones the next rounds refine (their guesses land
// strictly inside their brackets, or beyond the last known point): partition
// i = [boundary of level i-1, boundary of level i] (from $0; the last
// open-ended) when neither level is searched nor shares a bracket with one
// that is, and it holds at least min_records_per_partition. That is the final
// plan's partition i when the final plan is regular (one cut per level, no
// merge); otherwise the caller finds out by comparing (adaptive_planner.h).
// Nothing while a heavy dollar is known (its cuts make the plan irregular), nor
// when the target is under twice the minimum (merges are likely).
std::vector<Partition> DecidedPartitions(const TailCounts& tails, const std::vector<double>& levels,
                                         const std::vector<bool>& searching, int64_t target,
                                         const PlanOptions& options) {
  if (InitialCuts(tails, {}, target).size() > 1) return {};
  // Parts near the minimum may still be merged with a neighbour: no overlap
  // for plans whose target is under twice the minimum.
  if (target < 2 * options.min_records_per_partition) return {};
  const auto pts = tails.Points();
  std::vector<Bracket> brackets;
  std::set<size_t> searched;  // brackets (by lo) a later round may probe into
  for (size_t k = 0; k < levels.size(); ++k) {
    brackets.push_back(Locate(pts, levels[k]));
    if (searching[k]) searched.insert(brackets.back().lo);
  }
  if (searched.empty()) return {};
  // bound[k]: the price of cut k (0: $0, k: level k-1's boundary, n: none) once fixed.
  const size_t n = levels.size() + 1;
  std::vector<std::optional<int64_t>> bound(n + 1);
  bound[0] = 0;
  for (size_t k = 0; k < levels.size(); ++k) {
    if (searched.count(brackets[k].lo) == 0) bound[k + 1] = BoundaryOf(pts, brackets[k]);
  }
  std::vector<Partition> out;
  for (size_t i = 0; i < n; ++i) {
    const bool last = i + 1 == n;
    if (!bound[i] || (!last && !bound[i + 1])) continue;
    Partition p;
    p.id = static_cast<int>(i);
    p.price_min = *bound[i];
    if (!last) p.price_max = *bound[i + 1];
    if (p.price_max && *p.price_max <= p.price_min) continue;
    p.expected_records = p.price_max ? tails.Between(p.price_min, *p.price_max) : tails.Tail(p.price_min);
    if (p.expected_records < options.min_records_per_partition) continue;
    out.push_back(p);
  }
  return out;
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
                          const AdaptiveOptions& adaptive, const FinalPartitionsFn& on_final) {
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
    std::vector<Partition> reported;  // by id

    for (int round = 0; round < adaptive.max_rounds && !levels.empty(); ++round) {
      const auto pts = tails.Points();
      const MonotoneCurve curve = pts.size() >= 2 ? CurveOf(pts) : MonotoneCurve({0, 1}, {1, 0});
      std::set<int64_t> wanted;
      std::vector<bool> searching(levels.size(), true);
      for (size_t k = 0; k < levels.size(); ++k) {
        const Bracket b = Locate(pts, levels[k]);
        const int64_t x_lo = pts[b.lo].first;
        if (b.open) {  // the level lies above every known price: look further out
          wanted.insert(std::max<int64_t>(2 * x_lo, 1000));
          continue;
        }
        const int64_t x_hi = pts[b.lo + 1].first;
        if (std::min(b.err_lo, b.err_hi) <= tolerance || x_hi - x_lo <= 1) {
          searching[k] = false;
          continue;
        }
        const double u = curve.Invert(b.lo, levels[k]);
        const auto guess = static_cast<int64_t>(std::llround(std::expm1(u)));
        wanted.insert(std::clamp(guess, x_lo + 1, x_hi - 1));
      }
      if (wanted.empty()) break;
      if (on_final) {
        std::vector<Partition> news;
        for (const Partition& p : DecidedPartitions(tails, levels, searching, tgt.target, options)) {
          const bool known = std::any_of(reported.begin(), reported.end(), [&](const Partition& r) { return r.id == p.id; });
          if (!known) news.push_back(p);
        }
        if (!news.empty()) {
          DI_RETURN_IF_ERROR(on_final(total, news));
          reported.insert(reported.end(), news.begin(), news.end());
        }
      }
      DI_RETURN_IF_ERROR(tails.Fetch({wanted.begin(), wanted.end()}));
    }

    const auto pts = tails.Points();
    std::vector<int64_t> boundaries;
    for (double level : levels) boundaries.push_back(BoundaryOf(pts, Locate(pts, level)));
    plan.partitions = BuildPartitions(tails, boundaries, tgt.target, options);
  }
  plan.total_records = total;
  plan.count_queries = tails.queries();
  plan.count_rounds = tails.rounds();
  plan.density = TailDensity(tails);
  return plan;
}

}  // namespace di::plan
