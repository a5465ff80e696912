// RetryPolicy: decides whether and when a failed Nivoda call is repeated.
//
// Exponential backoff: the ceiling of the n-th retry is min(cap, base * 2^(n-1));
// jitter then draws the delay from [0, ceiling] (full) or [ceiling/2, ceiling]
// (equal) or uses the ceiling (none). A 429 with Retry-After waits exactly that
// long (never less), unless it exceeds max_retry_after, in which case the call
// gives up so the caller can reschedule the work. Only retryable codes (see
// IsRetryable) are retried: at most max_attempts attempts failing otherwise,
// and apart from those at most max_rate_limited_attempts answered 429 (a 429
// means the request was not served; the account limiter slows down on it, so
// a limit set too high costs time, not the call).
//
// Thread-safe: NextDelay() may be called concurrently (the RNG is locked).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>

#include "common/clock.h"
#include "common/status.h"

namespace di::nivoda {

enum class Jitter { kNone, kFull, kEqual };

struct RetryOptions {
  int max_attempts = 3;  // attempts failing other than 429, including the first (>= 1)
  Millis base_delay{2000};
  Millis max_delay{60000};         // cap on the exponential ceiling
  Millis max_retry_after{120000};  // longer Retry-After: give up instead
  Jitter jitter = Jitter::kEqual;
  uint64_t seed = 0;                   // 0: seeded from std::random_device
  int max_rate_limited_attempts = 10;  // attempts answered 429 (>= 1)
};

class RetryPolicy {
 public:
  RetryPolicy() : RetryPolicy(RetryOptions{}) {}
  explicit RetryPolicy(RetryOptions options);

  // The delay before the next attempt after the ATTEMPT-th (1-based) failure
  // of STATUS's kind (429s counted apart from the others), or nullopt to give
  // up: STATUS is not retryable, ATTEMPT >= max_attempts (for kRateLimited:
  // max_rate_limited_attempts), or Retry-After exceeds max_retry_after.
  // RETRY_AFTER is the server's Retry-After, honoured for kRateLimited.
  std::optional<Millis> NextDelay(int attempt, const Status& status, std::optional<Millis> retry_after = std::nullopt);

  // The exponential ceiling for ATTEMPT (no jitter).
  Millis Ceiling(int attempt) const;

  const RetryOptions& options() const { return options_; }

 private:
  RetryOptions options_;
  std::mutex mu_;
  std::mt19937_64 rng_;
};

}  // namespace di::nivoda
