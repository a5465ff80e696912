#include "plan/partition_builder.h"

#include <algorithm>
#include <limits>
#include <set>

namespace di::plan {

PartitionTarget ComputeTarget(int64_t total, const PlanOptions& options) {
  const int64_t min_records = std::max<int64_t>(1, options.min_records_per_partition);
  const int64_t max_count = std::max(1, options.max_partitions);
  PartitionTarget t;
  t.count = static_cast<int>(std::clamp<int64_t>(total / min_records, 1, max_count));
  t.target = (total + t.count - 1) / t.count;
  return t;
}

namespace {

// Size of the part between cuts[i] and cuts[i+1] (the last part is open-ended).
int64_t PartSize(const TailCounts& tails, const std::vector<Cut>& cuts, size_t i) {
  return i + 1 < cuts.size() ? tails.Between(cuts[i].price, cuts[i + 1].price) : tails.Tail(cuts[i].price);
}

// Removes the interior cut j (merging parts j-1 and j).
void RemoveCut(std::vector<Cut>& cuts, size_t j) { cuts.erase(cuts.begin() + static_cast<long>(j)); }

// The interior cut whose removal yields the smallest merged part, preferring cuts
// that do not bound a heavy dollar; restricted to the cuts around part `only`
// when only < cuts.size().
size_t CheapestCut(const TailCounts& tails, const std::vector<Cut>& cuts, size_t only) {
  size_t best = 0;
  auto key = [&](size_t j) {
    return std::make_pair(cuts[j].heavy ? 1 : 0, PartSize(tails, cuts, j - 1) + PartSize(tails, cuts, j));
  };
  for (size_t j = 1; j < cuts.size(); ++j) {
    if (only < cuts.size() && j != only && j != only + 1) continue;
    if (best == 0 || key(j) < key(best)) best = j;
  }
  return best;
}

}  // namespace

std::vector<Cut> InitialCuts(const TailCounts& tails, const std::vector<int64_t>& boundaries, int64_t target) {
  std::set<int64_t> heavy_bounds;
  const auto points = tails.Points();
  for (size_t k = 0; k + 1 < points.size(); ++k) {
    if (points[k + 1].first == points[k].first + 1 && points[k].second - points[k + 1].second > target) {
      heavy_bounds.insert(points[k].first);
      heavy_bounds.insert(points[k].first + 1);
    }
  }
  std::set<int64_t> prices(heavy_bounds.begin(), heavy_bounds.end());
  for (int64_t b : boundaries) prices.insert(b);
  prices.insert(0);

  std::vector<Cut> cuts;
  for (int64_t p : prices) {
    if (p >= 0) cuts.push_back(Cut{p, heavy_bounds.count(p) > 0});
  }
  return cuts;
}

std::vector<Partition> BuildPartitions(const TailCounts& tails, std::vector<int64_t> boundaries, int64_t target,
                                       const PlanOptions& options) {
  std::vector<Cut> cuts = InitialCuts(tails, boundaries, target);

  const size_t max_parts = static_cast<size_t>(std::max(1, options.max_partitions));
  while (cuts.size() > max_parts) RemoveCut(cuts, CheapestCut(tails, cuts, cuts.size()));

  const int64_t min_records = options.min_records_per_partition;
  while (cuts.size() > 1) {
    size_t smallest = 0;
    for (size_t i = 1; i < cuts.size(); ++i) {
      if (PartSize(tails, cuts, i) < PartSize(tails, cuts, smallest)) smallest = i;
    }
    if (PartSize(tails, cuts, smallest) >= min_records) break;
    RemoveCut(cuts, CheapestCut(tails, cuts, smallest));
  }

  std::vector<Partition> out;
  for (size_t i = 0; i < cuts.size(); ++i) {
    Partition p;
    p.id = static_cast<int>(i);
    p.price_min = cuts[i].price;
    if (i + 1 < cuts.size()) p.price_max = cuts[i + 1].price;
    p.expected_records = PartSize(tails, cuts, i);
    out.push_back(p);
  }
  return out;
}

std::vector<DensitySample> TailDensity(const TailCounts& tails) {
  std::vector<DensitySample> out;
  const auto points = tails.Points();
  for (size_t k = 0; k < points.size(); ++k) {
    DensitySample s;
    s.from_dollars = points[k].first;
    if (k + 1 < points.size()) {
      s.to_dollars = points[k + 1].first;
      s.count = points[k].second - points[k + 1].second;
    } else {
      s.count = points[k].second;
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace di::plan
