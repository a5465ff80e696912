// Exponential backoff, pure (no clock, no sleeping):
// - DoublingDelay: the one doubling rule, e.g. the redelivery delay of a queue
//   message after a failed attempt (worker, sweep, consolidator alike);
// - FailureBackoff: how a long-running consumer waits and logs while a
//   dependency (queue broker, database) stays down: DoublingDelay over the
//   consecutive failures, and only failures number 1, 2, 4, 8, ... are worth a
//   log line, so an outage of hours logs a few dozen lines, not one per second.
//   Not thread-safe: one per loop.
#pragma once

#include <cstdint>

#include "common/clock.h"

namespace di {

// The longest a failed message waits before its next delivery.
inline constexpr Millis kMaxRedeliveryDelay{600000};  // 10 minutes

// FIRST doubled per attempt after the first, never above CAP: attempt 1 (and
// anything below) waits FIRST, attempt 2 waits 2 * FIRST, attempt N
// min(FIRST * 2^(N-1), CAP). No overflow for any ATTEMPT. A message's attempt
// is its delivery count. REQUIRES: FIRST >= 0.
Millis DoublingDelay(Millis first, int64_t attempt, Millis cap = kMaxRedeliveryDelay);

class FailureBackoff {
 public:
  explicit FailureBackoff(Millis first = Millis(1000), Millis cap = Millis(30000)) : first_(first), cap_(cap) {}

  // Records a failure; returns how long to wait before trying again.
  Millis Failure();
  // True when the failure just recorded should be logged.
  bool ShouldLog() const { return failures_ > 0 && (failures_ & (failures_ - 1)) == 0; }
  // Consecutive failures so far.
  int64_t failures() const { return failures_; }
  // A success ends the streak.
  void Success() { failures_ = 0; }

 private:
  Millis first_;
  Millis cap_;
  int64_t failures_ = 0;
};

}  // namespace di
