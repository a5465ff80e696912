// HttpTransport: the seam through which the Nivoda client talks HTTP.
//
// A POST of a small JSON body (the Nivoda API), and a GET (management reads
// such as Service Bus queue counts); both return status, headers and body.
// Implementations: CurlTransport (libcurl, production) and fakes in tests.
// Contract for implementations: thread-safe, so many threads may call Post() at
// once; a transport-level failure (DNS, connect, TLS, reset, timeout) is returned
// as a non-ok Status (kUnavailable), while any HTTP response, whatever its status
// code, is a successful Result carrying that status.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace di::http {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  // Response headers with lower-case names, in the order received.
  HttpHeaders headers;
  std::string body;

  // The value of header NAME (lower-case), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
  // Retry-After in delay-seconds form, as milliseconds; nullopt when absent or
  // not a non-negative integer (the HTTP-date form is not used by Nivoda).
  std::optional<Millis> RetryAfter() const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // POSTs BODY to URL with the extra HEADERS (Content-Type: application/json is
  // always sent). TIMEOUT bounds the whole exchange.
  virtual Result<HttpResponse> Post(const std::string& url, const std::string& body, const HttpHeaders& headers,
                                    Millis timeout) = 0;
  // GETs URL with HEADERS. The default refuses (kInternal): transports
  // that only serve the Nivoda API need not implement it.
  virtual Result<HttpResponse> Get(const std::string& url, const HttpHeaders& headers, Millis timeout);
};

}  // namespace di::http
