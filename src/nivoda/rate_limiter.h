// RateLimiter: admission control for requests to Nivoda.
//
// Every HTTP request the client sends (authentication, count, page, retries)
// first calls AcquireFor(flow) (the flow: the feed the request reads,
// `natural` or `labgrown`; empty for authentication); every HTTP 429 it receives is reported through
// OnRateLimited(). Implementations: TokenBucketRateLimiter (one process, a
// fixed rate) and ratelimit::AccountRateLimiter (src/ratelimit: the
// account-wide limit, shared by every process through PostgreSQL, lowered on
// 429s and probing back up; what the roles use).
// Thread-safety: implementations must allow concurrent Acquire() and Shutdown().
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace di::nivoda {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Blocks until one request of FLOW may be sent and consumes that permission.
  // Returns kCancelled once Shutdown() was called (also to callers already
  // waiting), or an error if the limiter's backing store fails. Limiters that
  // share a budget between flows (ratelimit/fair_share.h) give each flow with
  // requests waiting an equal part; the others ignore FLOW.
  virtual Status AcquireFor(const std::string& flow) = 0;
  // A request of no flow.
  Status Acquire() { return AcquireFor(std::string()); }
  // Wakes every waiter with kCancelled; later Acquire() calls fail at once.
  virtual void Shutdown() = 0;
  // The vendor answered HTTP 429 to a request admitted at SENT_AT_MS
  // (DefaultClock().MonotonicMs() when Acquire() returned), with RETRY_AFTER
  // when it said one. Never blocks for long; the default ignores it.
  virtual void OnRateLimited(int64_t sent_at_ms, std::optional<Millis> retry_after) {
    (void)sent_at_ms;
    (void)retry_after;
  }
};

// A limiter that never waits (until shut down). For tests and tools.
class UnlimitedRateLimiter final : public RateLimiter {
 public:
  Status AcquireFor(const std::string& flow) override;
  void Shutdown() override;

 private:
  std::atomic<bool> shut_down_{false};
};

}  // namespace di::nivoda
