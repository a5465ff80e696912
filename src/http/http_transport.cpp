#include "http/http_transport.h"

#include <charconv>

#include "common/strings.h"

namespace di::http {

std::optional<std::string_view> HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::optional<Millis> HttpResponse::RetryAfter() const {
  auto value = Header("retry-after");
  if (!value) return std::nullopt;
  std::string_view text = Trim(*value);
  if (text.empty()) return std::nullopt;
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || seconds < 0) return std::nullopt;
  // Clamp absurd values (one day) so the multiplication cannot overflow.
  if (seconds > 86400) seconds = 86400;
  return Millis(seconds * 1000);
}

Result<HttpResponse> HttpTransport::Post(const std::string& url, const std::string& body, const HttpHeaders& headers,
                                         Millis timeout) {
  HttpRequest request{
      "POST", url, {{"Content-Type", "application/json"}, {"Accept", "application/json"}}, body, timeout};
  request.headers.insert(request.headers.end(), headers.begin(), headers.end());
  return Send(request);
}

Result<HttpResponse> HttpTransport::Get(const std::string& url, const HttpHeaders& headers, Millis timeout) {
  return Send(HttpRequest{"GET", url, headers, {}, timeout});
}

}  // namespace di::http
