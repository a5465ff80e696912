// TokenCache: the Nivoda token, cached and shared by every caller of one client.
//
// A token is assumed valid for `lifetime` after it was obtained (the API does not
// say); Get() returns the cached token while more than `refresh_margin` of that
// remains, otherwise it authenticates. Concurrent callers that need a token while
// an authentication is running wait for that one and share its outcome (token or
// error): there is never more than one authentication in flight. Invalidate(t)
// forgets token t after a call was refused with it, so the next Get() obtains a
// new one (only once, however many callers report the same stale token).
//
// Thread-safe. The authenticate function is called without the lock held.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace di::nivoda {

struct TokenCacheOptions {
  Millis lifetime{6 * 3600 * 1000};
  Millis refresh_margin{5 * 60 * 1000};
};

class TokenCache {
 public:
  // Obtains a new token (e.g. the authenticate query, with its own retries).
  using AuthenticateFn = std::function<Result<std::string>()>;

  // CLOCK must outlive the cache; nullptr means DefaultClock().
  TokenCache(AuthenticateFn authenticate, TokenCacheOptions options, Clock* clock);

  // A token with more than refresh_margin of its lifetime left, authenticating
  // (or joining the authentication in flight) when there is none.
  Result<std::string> Get();

  // Forgets TOKEN if it is still the cached one; a no-op otherwise (another
  // caller already replaced it).
  void Invalidate(const std::string& token);

  // Authentications started so far.
  int64_t authentications() const;

 private:
  struct Attempt {
    bool done = false;
    Result<std::string> result{Status(Code::kInternal, "authentication pending")};
  };

  AuthenticateFn authenticate_;
  TokenCacheOptions options_;
  Clock* clock_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string token_;          // empty: none
  int64_t expires_at_ms_ = 0;  // monotonic
  std::shared_ptr<Attempt> in_flight_;
  int64_t authentications_ = 0;
};

}  // namespace di::nivoda
