#include "cloud/azure_shared_key.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>

#include "common/codec.h"
#include "common/strings.h"

namespace di::cloud {
namespace {

// Trims and folds runs of whitespace to one space (canonical header values).
std::string FoldWhitespace(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string HeaderValue(const SignedRequest& r, std::string_view lower_name) {
  for (const auto& [name, value] : r.headers) {
    if (Lower(name) == lower_name) return value;
  }
  return {};
}

}  // namespace

std::string SharedKeyStringToSign(std::string_view account, const SignedRequest& request) {
  static const char* kStandard[] = {
      "content-encoding",  "content-language", "content-length", "content-md5",         "content-type", "date",
      "if-modified-since", "if-match",         "if-none-match",  "if-unmodified-since", "range"};
  std::string out = request.method + "\n";
  for (const char* name : kStandard) {
    std::string v = HeaderValue(request, name);
    if (std::string_view(name) == "content-length" && v == "0") v.clear();
    out += v + "\n";
  }
  std::map<std::string, std::string> ms;
  for (const auto& [name, value] : request.headers) {
    std::string n = Lower(name);
    if (n.rfind("x-ms-", 0) == 0) ms[n] = FoldWhitespace(value);
  }
  for (const auto& [n, v] : ms) out += n + ":" + v + "\n";
  out += "/" + std::string(account) + request.path;
  std::map<std::string, std::vector<std::string>> params;
  for (const auto& [name, value] : request.query) params[Lower(name)].push_back(value);
  for (auto& [n, values] : params) {
    std::sort(values.begin(), values.end());
    out += "\n" + n + ":";
    for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + values[i];
  }
  return out;
}

std::string SharedKeyAuthorization(std::string_view account, std::string_view key, const SignedRequest& request) {
  return "SharedKey " + std::string(account) + ":" +
         Base64Encode(HmacSha256(key, SharedKeyStringToSign(account, request)));
}

std::string HttpDate(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace di::cloud
