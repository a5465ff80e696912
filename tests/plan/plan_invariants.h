// Checks every rule a plan must keep against the inventory it was planned for:
// contiguous overlapping whole-dollar bounds from $0 to open-ended, no inverted
// range, exact expected_records (half-open attribution, summing to the total),
// every offer inside at least one partition, the partition limits. Reports
// gtest failures; call under SCOPED_TRACE.
#pragma once

#include <ostream>

#include "plan/plan_types.h"
#include "synthetic_inventory.h"

namespace di::plan {
// Readable gtest output for partitions and ranges.
void PrintTo(const Partition& p, std::ostream* os);
void PrintTo(const PriceRange& r, std::ostream* os);
}  // namespace di::plan

namespace di::plan::testing {

void ExpectValidPlan(const Plan& plan, const SyntheticInventory& inventory, const PlanOptions& options);

}  // namespace di::plan::testing
