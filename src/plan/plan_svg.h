// SVG rendering of a plan for `schedule --dry-run --plot FILE`: the scanned
// offer density (offers per dollar, log scale) against price (log scale, $0 at
// the left edge, open-ended samples drawn to the right edge) with the partition
// boundaries as labelled vertical lines. Pure: returns the document text; the
// caller writes the file. Thread-safe.
#pragma once

#include <string>

#include "plan/plan_types.h"

namespace di::plan {

// A complete standalone SVG document. An empty plan renders a "no offers" note.
std::string RenderDensitySvg(const Plan& plan);

}  // namespace di::plan
