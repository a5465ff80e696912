// RateLimiter: the account-wide request limit as a token bucket (RATE tokens
// per second, at most BURST banked). Pure arithmetic over times passed in by
// the caller; thread-safe.
#pragma once

#include <cstdint>
#include <mutex>

namespace di::sim {

class RateLimiter {
 public:
  // RATE <= 0 disables the limit. BURST < 1 is raised to 1.
  RateLimiter(double rate_per_second, double burst);

  struct Decision {
    bool allowed = true;
    int64_t retry_after_ms = 0;  // when refused: time until a token is available
  };
  // Takes one token at NOW_MS (monotonic) if available.
  Decision Acquire(int64_t now_ms);
  bool enabled() const { return rate_ > 0; }

 private:
  const double rate_;
  const double burst_;
  std::mutex mu_;
  double tokens_;
  int64_t last_ms_ = -1;
};

}  // namespace di::sim
