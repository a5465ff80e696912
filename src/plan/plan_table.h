// Plain-text rendering of a plan for `schedule --dry-run`: one summary line
// (algorithm, offers, partitions, count queries and rounds, balance) and a table
// of partitions (id, price range, expected offers). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "plan/plan_types.h"

namespace di::plan {

// "$1,234,567"; negative amounts get a leading '-'.
std::string FormatDollars(int64_t dollars);
// "1,234,567".
std::string FormatCount(int64_t n);

// Ends with a newline. An empty plan renders the summary and "no offers".
std::string RenderPlanTable(const Plan& plan);

}  // namespace di::plan
