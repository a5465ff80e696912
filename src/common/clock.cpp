#include "common/clock.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <string_view>
#include <thread>

namespace di {

int64_t SystemClock::MonotonicMs() const {
  return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void SystemClock::SleepFor(Millis duration) {
  if (duration.count() > 0) std::this_thread::sleep_for(duration);
}

SystemClock& DefaultClock() {
  static SystemClock clock;
  return clock;
}

std::string FormatIso8601(WallTime t) {
  auto ms_total = std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms_total / 1000);
  int ms = static_cast<int>(ms_total % 1000);
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

bool ParseIso8601(std::string_view text, WallTime* out) {
  int y, mo, d, h, mi, s;
  char tail[64] = {0};
  // One token of digits and "-T:.Z+" (sscanf would stop at a space and ignore
  // the rest; the cut at 60 would hide a tail).
  if (text.size() > 60) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && std::string_view("-T:.Z+").find(c) == std::string_view::npos) {
      return false;
    }
  }
  std::string str(text);
  int n = std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%63s", &y, &mo, &d, &h, &mi, &s, tail);
  if (n < 6) return false;
  // Years outside 1900..2200 do not fit WallTime's nanoseconds (1678..2262).
  if (y < 1900 || y > 2200) return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return false;
  std::string rest = n == 7 ? tail : "";
  int ms = 0;
  size_t i = 0;
  if (i < rest.size() && rest[i] == '.') {
    ++i;
    int digits = 0;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
      if (digits < 3) ms = ms * 10 + (rest[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return false;
    for (int k = digits; k < 3; ++k) ms *= 10;
  }
  std::string zone = rest.substr(i);
  if (!(zone == "Z" || zone == "+00:00" || zone.empty())) return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::time_t secs = timegm(&tm);
  *out = WallTime(Millis(static_cast<int64_t>(secs) * 1000 + ms));
  return true;
}

}  // namespace di
