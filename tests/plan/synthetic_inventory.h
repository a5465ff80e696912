// SyntheticInventory: a sorted list of offer prices in cents that answers count
// queries exactly as Nivoda's dollar_value filter does (whole-dollar bounds, both
// inclusive; an offer at 1999.50 matches {1999, 2000} but neither {0, 1999} nor
// {2000, ...}). The ground truth for planner tests and the benchmark.
//
// FromBands() spreads each band's offers along a density that varies smoothly
// across bands (linear between band midpoints, so band edges are not special),
// snaps a share of them to round prices (multiples of $50, cents .00) as real
// price lists cluster, and adds a Pareto tail of offers from the last band's end.
// Deterministic for a given seed. Immutable after construction; Count() is
// thread-safe; the CountBatchFn it hands out shares a query log (not thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "density_bands.h"
#include "plan/plan_types.h"

namespace di::plan::testing {

class SyntheticInventory {
 public:
  explicit SyntheticInventory(std::vector<int64_t> cents);

  // `tail_offers` offers priced from (last band's to + 1) upwards.
  static SyntheticInventory FromBands(const std::vector<DensityBand>& bands, int64_t tail_offers, uint64_t seed,
                                      double round_price_share = 0.15);
  // The February 2026 natural inventory: 437,849 offers.
  static SyntheticInventory Nivoda2026(uint64_t seed = 42, double round_price_share = 0.15);

  int64_t Count(const PriceRange& range) const;
  int64_t size() const { return static_cast<int64_t>(cents_.size()); }
  const std::vector<int64_t>& cents() const { return cents_; }

  // A count function over this inventory. Every batch it answers is appended to
  // `*log` when log is not null. REQUIRES: the inventory outlives the function.
  CountBatchFn BatchFn(std::shared_ptr<std::vector<std::vector<PriceRange>>> log = nullptr) const;

 private:
  std::vector<int64_t> cents_;  // sorted
};

// Whether an offer priced `cents` matches a partition's query (inclusive bounds).
bool PartitionMatches(const Partition& p, int64_t cents);

}  // namespace di::plan::testing
