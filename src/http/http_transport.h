// HttpTransport: the seam every HTTP client of the project goes through
// (Nivoda, Service Bus management REST, Azure Blob, Resend), so tests can
// inject faults with a fake transport.
//
// Send() performs one request of any method and returns status, headers and
// body. Post() and Get() are thin wrappers for the common JSON POST and the
// plain GET. Implementations: CurlTransport (libcurl, production) and fakes in
// tests.
// Contract for implementations: thread-safe, so many threads may call Send() at
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

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, POST, PUT, DELETE, ...
  std::string url;
  // Sent as given, in order; nothing is added that a signature could miss: no
  // Content-Type unless listed here, no "Expect: 100-continue".
  HttpHeaders headers;
  // Sent when non-empty, and always (even empty) with POST and PUT.
  std::string body;
  Millis timeout{15000};  // bounds the whole exchange
};

struct HttpResponse {
  int status = 0;
  // Response headers with lower-case names, in the order received.
  HttpHeaders headers;
  std::string body;  // empty for HEAD

  // The value of header NAME (lower-case), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
  // Retry-After in delay-seconds form, as milliseconds; nullopt when absent or
  // not a non-negative integer (the HTTP-date form is not used by Nivoda).
  std::optional<Millis> RetryAfter() const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Performs REQUEST. See the contract above.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;

  // POSTs the JSON BODY to URL with the extra HEADERS, after
  // "Content-Type: application/json" and "Accept: application/json".
  Result<HttpResponse> Post(const std::string& url, const std::string& body, const HttpHeaders& headers,
                            Millis timeout);
  // GETs URL with HEADERS.
  Result<HttpResponse> Get(const std::string& url, const HttpHeaders& headers, Millis timeout);
};

}  // namespace di::http
