// NivodaClient: count and page queries against the Nivoda GraphQL API. Every
// call (authentication included) passes the rate limiter and the retry policy;
// data calls use a cached token (TokenCache) and, refused for it, re-authenticate
// and repeat once. The call path, classification and retries:
// src/nivoda/README.md.
//
// Errors returned: kInvalidArgument (bad query, inverted range, limit outside
// 1..50: nothing was sent), kPermanent (validation error, 4xx, bad credentials),
// kUnauthenticated (still refused after a fresh token), kUnavailable /
// kRateLimited / kCorrupt (retries exhausted), kCancelled (Cancel() or the
// limiter shut down).
//
// Thread-safe: any number of threads may call Count/FetchPage at once; the
// transport decides how many requests really run in parallel (http::CurlTransport:
// as many as callers). The password and every token are registered with
// log::AddSecret and never logged.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "http/http_transport.h"
#include "nivoda/diamond_query.h"
#include "nivoda/page.h"
#include "nivoda/rate_limiter.h"
#include "nivoda/retry_policy.h"
#include "nivoda/token_cache.h"

namespace di::nivoda {

// What one HTTP exchange gave; reported to a ClientObserver (metrics).
struct CallEvent {
  const char* operation = "";      // "authenticate", "count", "page"
  int attempt = 1;                 // 1-based, within the call
  bool sent = false;               // the request went out (false: cancelled or refused before sending)
  int64_t items = 0;               // offers in the page answered (page calls that succeeded)
  Code code = Code::kOk;           // outcome after classification
  int http_status = 0;             // 0 when no response
  int64_t latency_ms = 0;          // the HTTP exchange only
  int64_t limiter_wait_ms = 0;     // time spent in RateLimiter::Acquire()
  std::optional<Millis> retry_in;  // set when the call will be retried after this delay
};

// Receives one event per HTTP exchange attempted, sent or not (see
// CallEvent::sent). Must be thread-safe and fast.
class ClientObserver {
 public:
  virtual ~ClientObserver() = default;
  virtual void OnCall(const CallEvent& event) = 0;
};

struct ClientOptions {
  std::string endpoint;  // e.g. https://intg-customer-staging.nivodaapi.net/api/diamonds
  std::string username;
  std::string password;
  Millis timeout{60000};  // per HTTP request
  RetryOptions retry;
  TokenCacheOptions token;
  std::shared_ptr<RateLimiter> limiter;            // nullptr: no rate limit
  std::shared_ptr<http::HttpTransport> transport;  // nullptr: a http::CurlTransport with defaults
  Clock* clock = nullptr;                          // nullptr: DefaultClock(); must outlive the client
  ClientObserver* observer = nullptr;              // optional; must outlive the client
};

// Monotonic counters since construction.
struct ClientCounters {
  int64_t requests = 0;  // HTTP exchanges attempted (incl. authentication)
  int64_t retries = 0;   // repeated after a retryable error
  int64_t authentications = 0;
  int64_t reauthentications = 0;  // after an auth error
  int64_t rate_limited = 0;       // HTTP 429 received
  // Authentications refused for good (bad credentials, or an endpoint that
  // answers authenticate with a 4xx): every call after one fails the same way.
  int64_t authentications_refused = 0;
};

class NivodaClient {
 public:
  // kInvalidArgument when the endpoint is not http(s)://..., the timeout is not
  // positive, or refresh_margin >= lifetime.
  static Result<std::unique_ptr<NivodaClient>> Create(ClientOptions options);
  ~NivodaClient();

  // Obtains a token now (start-up check of credentials and reachability).
  Status Authenticate();

  // diamonds_by_query_count for QUERY.
  Result<int64_t> Count(const DiamondQuery& query);

  // One page of diamonds_by_query. REQUIRES (else kInvalidArgument): offset >= 0,
  // 1 <= limit <= 50, a valid query and order. An empty page is the end of the
  // result set; a short one is not. WITH_COUNT: the count of QUERY travels in
  // the same request (Page::count).
  Result<Page> FetchPage(const DiamondQuery& query, int64_t offset, int limit, const Order& order,
                         bool with_count = false);

  // Makes calls sleeping between retries (and later calls) return kCancelled
  // promptly. The limiter is shut down by its owner, not here.
  void Cancel();

  ClientCounters counters() const;

 private:
  explicit NivodaClient(ClientOptions options);
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace di::nivoda
