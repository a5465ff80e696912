#include "nivoda/retry_policy.h"

#include <algorithm>

#include "nivoda/error_classifier.h"

namespace di::nivoda {

RetryPolicy::RetryPolicy(RetryOptions options) : options_(options) {
  options_.max_attempts = std::max(1, options_.max_attempts);
  options_.max_rate_limited_attempts = std::max(1, options_.max_rate_limited_attempts);
  options_.base_delay = std::max(Millis(0), options_.base_delay);
  options_.max_delay = std::max(options_.base_delay, options_.max_delay);
  rng_.seed(options_.seed != 0 ? options_.seed : std::random_device{}());
}

Millis RetryPolicy::Ceiling(int attempt) const {
  const int64_t base = options_.base_delay.count();
  const int64_t cap = options_.max_delay.count();
  int64_t ceiling = base;
  for (int i = 1; i < attempt && ceiling < cap; ++i) ceiling *= 2;
  return Millis(std::min(ceiling, cap));
}

std::optional<Millis> RetryPolicy::NextDelay(int attempt, const Status& status, std::optional<Millis> retry_after) {
  if (status.ok() || !IsRetryable(status.code())) return std::nullopt;
  const bool limited = status.code() == Code::kRateLimited;
  if (attempt >= (limited ? options_.max_rate_limited_attempts : options_.max_attempts)) return std::nullopt;
  if (limited && retry_after) {
    if (*retry_after > options_.max_retry_after) return std::nullopt;
    return *retry_after;
  }
  const int64_t ceiling = Ceiling(attempt).count();
  if (options_.jitter == Jitter::kNone || ceiling == 0) return Millis(ceiling);
  std::lock_guard<std::mutex> lock(mu_);
  if (options_.jitter == Jitter::kFull) {
    return Millis(std::uniform_int_distribution<int64_t>(0, ceiling)(rng_));
  }
  const int64_t half = ceiling / 2;
  return Millis(half + std::uniform_int_distribution<int64_t>(0, ceiling - half)(rng_));
}

}  // namespace di::nivoda
