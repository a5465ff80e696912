#include "nivoda/token_cache.h"

#include <utility>

namespace di::nivoda {

TokenCache::TokenCache(AuthenticateFn authenticate, TokenCacheOptions options, Clock* clock)
    : authenticate_(std::move(authenticate)), options_(options), clock_(clock != nullptr ? clock : &DefaultClock()) {}

Result<std::string> TokenCache::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!token_.empty() && clock_->MonotonicMs() < expires_at_ms_ - options_.refresh_margin.count()) {
    return token_;
  }
  if (in_flight_) {
    std::shared_ptr<Attempt> attempt = in_flight_;
    cv_.wait(lock, [&] { return attempt->done; });
    return attempt->result;
  }
  auto attempt = std::make_shared<Attempt>();
  in_flight_ = attempt;
  ++authentications_;
  lock.unlock();

  const int64_t started_ms = clock_->MonotonicMs();
  Result<std::string> result = authenticate_();
  if (result.ok() && result.value().empty()) {
    result = Status(Code::kCorrupt, "authentication returned an empty token");
  }

  lock.lock();
  if (result.ok()) {
    token_ = result.value();
    // Lifetime counted from the request, not the answer: errs on the safe side.
    expires_at_ms_ = started_ms + options_.lifetime.count();
  }
  attempt->result = result;
  attempt->done = true;
  in_flight_.reset();
  cv_.notify_all();
  return result;
}

void TokenCache::Invalidate(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!token_.empty() && token_ == token) {
    token_.clear();
    expires_at_ms_ = 0;
  }
}

int64_t TokenCache::authentications() const {
  std::lock_guard<std::mutex> lock(mu_);
  return authentications_;
}

}  // namespace di::nivoda
