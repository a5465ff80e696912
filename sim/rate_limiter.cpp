#include "sim/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace di::sim {

RateLimiter::RateLimiter(double rate_per_second, double burst)
    : rate_(rate_per_second), burst_(std::max(1.0, burst)), tokens_(std::max(1.0, burst)) {}

RateLimiter::Decision RateLimiter::Acquire(int64_t now_ms) {
  if (rate_ <= 0) return {};
  std::lock_guard lock(mu_);
  if (last_ms_ >= 0 && now_ms > last_ms_) {
    tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ms - last_ms_) * rate_ / 1000.0);
  }
  if (last_ms_ < 0 || now_ms > last_ms_) last_ms_ = now_ms;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return {};
  }
  Decision d;
  d.allowed = false;
  d.retry_after_ms = static_cast<int64_t>(std::ceil((1.0 - tokens_) * 1000.0 / rate_));
  return d;
}

}  // namespace di::sim
