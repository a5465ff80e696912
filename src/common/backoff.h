// FailureBackoff: how a long-running consumer waits and logs while a
// dependency (queue broker, database) stays down: the delay doubles from
// `first` to `cap` with each consecutive failure, and only failures number
// 1, 2, 4, 8, ... are worth a log line, so an outage of hours logs a few
// dozen lines, not one per second. Pure (no clock, no sleeping).
// Not thread-safe: one per loop.
#pragma once

#include <cstdint>

#include "common/clock.h"

namespace di {

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
