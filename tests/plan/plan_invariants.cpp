#include "plan_invariants.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace di::plan {

void PrintTo(const Partition& p, std::ostream* os) {
  *os << "{id " << p.id << ", $" << p.price_min << " - ";
  if (p.price_max)
    *os << "$" << *p.price_max;
  else
    *os << "open";
  *os << ", " << p.expected_records << " offers}";
}

void PrintTo(const PriceRange& r, std::ostream* os) {
  *os << "{" << r.from_dollars << ", ";
  if (r.to_dollars)
    *os << *r.to_dollars;
  else
    *os << "open";
  *os << "}";
}

}  // namespace di::plan

namespace di::plan::testing {

void ExpectValidPlan(const Plan& plan, const SyntheticInventory& inventory, const PlanOptions& options) {
  EXPECT_EQ(plan.total_records, inventory.size());
  const auto& parts = plan.partitions;
  if (inventory.size() == 0) {
    EXPECT_TRUE(parts.empty());
    return;
  }
  ASSERT_FALSE(parts.empty());
  EXPECT_LE(static_cast<int>(parts.size()), options.max_partitions);
  EXPECT_EQ(parts.front().price_min, 0);
  EXPECT_FALSE(parts.back().price_max.has_value()) << "last partition must be open-ended";

  int64_t sum = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Partition& p = parts[i];
    EXPECT_EQ(p.id, static_cast<int>(i));
    if (i + 1 < parts.size()) {
      ASSERT_TRUE(p.price_max.has_value()) << "partition " << i;
      EXPECT_LT(p.price_min, *p.price_max) << "inverted or empty range, partition " << i;
      EXPECT_EQ(*p.price_max, parts[i + 1].price_min) << "bounds must overlap by one dollar";
    }
    // Ground truth: offers with price_min <= p < price_max (the last: p >= price_min).
    const auto& c = inventory.cents();
    const auto lo = std::lower_bound(c.begin(), c.end(), p.price_min * 100);
    const auto hi = p.price_max ? std::lower_bound(c.begin(), c.end(), *p.price_max * 100) : c.end();
    EXPECT_EQ(p.expected_records, hi - lo) << "partition " << i;
    if (inventory.size() >= options.min_records_per_partition) {
      EXPECT_GE(p.expected_records, options.min_records_per_partition) << "partition " << i;
    }
    sum += p.expected_records;
  }
  EXPECT_EQ(sum, plan.total_records);

  // Every offer matches at least one partition's inclusive query.
  size_t k = 0;
  int64_t lost = 0;
  for (int64_t cents : inventory.cents()) {
    while (k + 1 < parts.size() && cents >= parts[k + 1].price_min * 100) ++k;
    if (!PartitionMatches(parts[k], cents)) ++lost;
  }
  EXPECT_EQ(lost, 0) << "offers outside every partition";
}

}  // namespace di::plan::testing
