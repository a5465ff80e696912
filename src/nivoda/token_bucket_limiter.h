// TokenBucketRateLimiter: a local token bucket (rate per second, burst) for one
// process, on the Clock seam.
//
// Implemented as a virtual-scheduling (GCRA) bucket: each Acquire() reserves the
// next free send time under a lock, then sleeps until it outside the lock, in
// slices of at most `poll` so Shutdown() is noticed. Callers are admitted in
// the order they reserved. Over any window of W seconds at most burst + W * rate
// requests are admitted.
//
// Thread-safe. With a ManualClock, sleeping advances the clock, so tests run
// instantly and deterministically.
#pragma once

#include <atomic>
#include <mutex>

#include "common/clock.h"
#include "nivoda/rate_limiter.h"

namespace di::nivoda {

class TokenBucketRateLimiter final : public RateLimiter {
 public:
  struct Options {
    double rate_per_second = 25;  // > 0
    int burst = 1;                // >= 1; requests admitted back to back after idling
    Millis poll{50};              // longest uninterrupted sleep
  };

  // CLOCK must outlive the limiter; nullptr means DefaultClock().
  TokenBucketRateLimiter(Options options, Clock* clock);

  Status AcquireFor(const std::string& flow) override;
  void Shutdown() override;

  // Requests admitted so far.
  int64_t admitted() const { return admitted_.load(); }

 private:
  Options options_;
  Clock* clock_;
  double interval_ms_;
  std::mutex mu_;
  double theoretical_arrival_ms_;  // guarded by mu_
  bool started_ = false;           // guarded by mu_
  std::atomic<bool> shut_down_{false};
  std::atomic<int64_t> admitted_{0};
};

}  // namespace di::nivoda
