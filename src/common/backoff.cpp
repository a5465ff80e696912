#include "common/backoff.h"

#include <algorithm>

namespace di {

Millis FailureBackoff::Failure() {
  ++failures_;
  Millis delay = first_;
  for (int64_t i = 1; i < failures_ && delay < cap_; ++i) delay *= 2;
  return std::min(delay, cap_);
}

}  // namespace di
