#include "synthetic_inventory.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace di::plan::testing {

SyntheticInventory::SyntheticInventory(std::vector<int64_t> cents) : cents_(std::move(cents)) {
  std::sort(cents_.begin(), cents_.end());
}

SyntheticInventory SyntheticInventory::FromBands(const std::vector<DensityBand>& bands, int64_t tail_offers,
                                                 uint64_t seed, double round_price_share) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  // Density (offers per dollar) at each band's midpoint; linear in between.
  std::vector<double> mid, dens;
  for (const auto& b : bands) {
    const double width = static_cast<double>(b.to - b.from + 1);
    mid.push_back(static_cast<double>(b.from) + width / 2);
    dens.push_back(static_cast<double>(b.count) / width);
  }
  auto density_at = [&](double x) {
    if (x <= mid.front()) return dens.front();
    if (x >= mid.back()) return dens.back();
    const size_t k = static_cast<size_t>(std::upper_bound(mid.begin(), mid.end(), x) - mid.begin()) - 1;
    const double t = (x - mid[k]) / (mid[k + 1] - mid[k]);
    return dens[k] + t * (dens[k + 1] - dens[k]);
  };

  std::vector<int64_t> cents;
  for (const auto& b : bands) {
    const double lo = static_cast<double>(b.from), hi = static_cast<double>(b.to + 1);
    const double peak = std::max({density_at(lo), density_at(hi), density_at((lo + hi) / 2)});
    for (int64_t i = 0; i < b.count;) {
      const double x = lo + (hi - lo) * unit(rng);
      if (unit(rng) * peak > density_at(x)) continue;  // rejection sampling
      auto c = static_cast<int64_t>(std::floor(x * 100));
      if (unit(rng) < round_price_share) c = (c / 5000) * 5000;  // a round $50 price
      cents.push_back(std::clamp(c, b.from * 100, b.to * 100 + 99));
      ++i;
    }
  }
  const double tail_min = bands.empty() ? 0.0 : static_cast<double>(bands.back().to + 1);
  for (int64_t i = 0; i < tail_offers; ++i) {
    const double x = std::min((tail_min + 1) * std::pow(1.0 - unit(rng), -1.0 / 1.3), 2.0e7);
    cents.push_back(static_cast<int64_t>(std::floor(x * 100)));
  }
  return SyntheticInventory(std::move(cents));
}

SyntheticInventory SyntheticInventory::Nivoda2026(uint64_t seed, double round_price_share) {
  int64_t banded = 0;
  for (const auto& b : Nivoda2026DollarValueBands()) banded += b.count;
  return FromBands(Nivoda2026DollarValueBands(), kNivoda2026Baseline - banded, seed, round_price_share);
}

int64_t SyntheticInventory::Count(const PriceRange& range) const {
  const auto lo = std::lower_bound(cents_.begin(), cents_.end(), range.from_dollars * 100);
  const auto hi =
      range.to_dollars ? std::upper_bound(cents_.begin(), cents_.end(), *range.to_dollars * 100) : cents_.end();
  return hi > lo ? hi - lo : 0;
}

CountBatchFn SyntheticInventory::BatchFn(std::shared_ptr<std::vector<std::vector<PriceRange>>> log) const {
  return [this, log](const std::vector<PriceRange>& ranges) -> Result<std::vector<int64_t>> {
    if (log) log->push_back(ranges);
    std::vector<int64_t> out;
    for (const auto& r : ranges) out.push_back(Count(r));
    return out;
  };
}

bool PartitionMatches(const Partition& p, int64_t cents) {
  return cents >= p.price_min * 100 && (!p.price_max || cents <= *p.price_max * 100);
}

}  // namespace di::plan::testing
