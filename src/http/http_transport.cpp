#include "http/http_transport.h"

#include <charconv>

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
  std::string_view text = *value;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || seconds < 0) return std::nullopt;
  // Clamp absurd values (one day) so the multiplication cannot overflow.
  if (seconds > 86400) seconds = 86400;
  return Millis(seconds * 1000);
}

Result<HttpResponse> HttpTransport::Get(const std::string& url, const HttpHeaders&, Millis) {
  return Status(Code::kInternal, "this transport cannot GET " + url);
}

}  // namespace di::http
