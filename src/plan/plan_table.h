// Plain-text rendering of a plan for `schedule --dry-run`: one summary line
// (algorithm, offers, partitions, count queries and rounds, balance) and a table
// of partitions (id, price range, expected offers). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "common/strings.h"  // FormatCount, FormatDollars
#include "plan/plan_types.h"

namespace di::plan {

// Ends with a newline. An empty plan renders the summary and "no offers".
std::string RenderPlanTable(const Plan& plan);

}  // namespace di::plan
