#include "common/backoff.h"

#include <algorithm>

namespace di {

Millis DoublingDelay(Millis first, int64_t attempt, Millis cap) {
  Millis delay = first;
  // Stops doubling at the cap (or at zero), long before the count could overflow.
  for (int64_t i = 1; i < attempt && delay < cap && delay > Millis(0); ++i) delay *= 2;
  return std::min(delay, cap);
}

Millis FailureBackoff::Failure() {
  ++failures_;
  return DoublingDelay(first_, failures_, cap_);
}

}  // namespace di
