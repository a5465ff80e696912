#include "nivoda/token_bucket_limiter.h"

#include <algorithm>
#include <cmath>

namespace di::nivoda {

Status UnlimitedRateLimiter::AcquireFor(const std::string&) {
  if (shut_down_.load()) return Status(Code::kCancelled, "rate limiter shut down");
  return Status::Ok();
}

void UnlimitedRateLimiter::Shutdown() { shut_down_ = true; }

TokenBucketRateLimiter::TokenBucketRateLimiter(Options options, Clock* clock)
    : options_(options), clock_(clock != nullptr ? clock : &DefaultClock()) {
  options_.rate_per_second = options_.rate_per_second > 0 ? options_.rate_per_second : 1;
  options_.burst = std::max(1, options_.burst);
  options_.poll = std::max(Millis(1), options_.poll);
  interval_ms_ = 1000.0 / options_.rate_per_second;
  theoretical_arrival_ms_ = 0;
}

Status TokenBucketRateLimiter::AcquireFor(const std::string&) {
  if (shut_down_.load()) return Status(Code::kCancelled, "rate limiter shut down");
  double send_at;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const double now = static_cast<double>(clock_->MonotonicMs());
    if (!started_) {
      // A fresh bucket is full.
      theoretical_arrival_ms_ = now;
      started_ = true;
    }
    const double tat = std::max(theoretical_arrival_ms_, now);
    send_at = std::max(now, tat - (options_.burst - 1) * interval_ms_);
    theoretical_arrival_ms_ = tat + interval_ms_;
  }
  while (true) {
    if (shut_down_.load()) return Status(Code::kCancelled, "rate limiter shut down");
    const double wait = send_at - static_cast<double>(clock_->MonotonicMs());
    if (wait <= 0) break;
    const auto slice = std::min<int64_t>(static_cast<int64_t>(std::ceil(wait)), options_.poll.count());
    clock_->SleepFor(Millis(slice));
  }
  ++admitted_;
  return Status::Ok();
}

void TokenBucketRateLimiter::Shutdown() { shut_down_ = true; }

}  // namespace di::nivoda
