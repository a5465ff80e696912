// RateLimiter: admission control for requests to Nivoda.
//
// Every HTTP request the client sends (authentication, count, page, retries)
// first calls Acquire(). Implementations: TokenBucketRateLimiter (one process)
// and ratelimit::AccountRateLimiter (src/ratelimit: the account-wide limit,
// shared by every process through PostgreSQL; what the roles use).
// Thread-safety: implementations must allow concurrent Acquire() and Shutdown().
#pragma once

#include <atomic>

#include "common/status.h"

namespace di::nivoda {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Blocks until one request may be sent and consumes that permission. Returns
  // kCancelled once Shutdown() was called (also to callers already waiting), or
  // an error if the limiter's backing store fails.
  virtual Status Acquire() = 0;
  // Wakes every waiter with kCancelled; later Acquire() calls fail at once.
  virtual void Shutdown() = 0;
};

// A limiter that never waits (until shut down). For tests and tools.
class UnlimitedRateLimiter final : public RateLimiter {
 public:
  Status Acquire() override;
  void Shutdown() override;

 private:
  std::atomic<bool> shut_down_{false};
};

}  // namespace di::nivoda
