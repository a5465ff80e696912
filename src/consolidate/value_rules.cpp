#include "consolidate/value_rules.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include "common/clock.h"
#include "common/strings.h"

namespace di::consolidate {

const char* AvailabilityName(Availability a) {
  switch (a) {
    case Availability::kAvailable:
      return "available";
    case Availability::kOnHold:
      return "on_hold";
    case Availability::kSold:
      return "sold";
    case Availability::kUnavailable:
      break;
  }
  return "unavailable";
}

Availability NormalizeAvailability(std::optional<std::string_view> raw) {
  if (!raw) return Availability::kUnavailable;
  const std::string v = Upper(Trim(*raw));
  if (v == "AVAILABLE") return Availability::kAvailable;
  if (v == "ON HOLD" || v == "HOLD" || v == "ON_HOLD" || v == "ONHOLD" || v == "MEMO") return Availability::kOnHold;
  if (v == "SOLD") return Availability::kSold;
  return Availability::kUnavailable;
}

std::optional<bool> ParseEyeClean(std::string_view text) {
  const std::string v = Lower(Trim(text));
  if (v.empty()) return std::nullopt;
  if (v == "yes" || v == "y" || v == "true" || v == "eye clean" || v == "ec") return true;
  if (v == "no" || v == "n" || v == "false" || v == "not eye clean") return false;
  // A leading percentage: "100%", "100 %", "100% eye clean", "90%".
  size_t digits = 0;
  while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits]))) ++digits;
  if (digits > 0 && digits <= 3) {
    std::string_view rest = Trim(std::string_view(v).substr(digits));
    if (!rest.empty() && rest.front() == '%') {
      int pct = 0;
      std::from_chars(v.data(), v.data() + digits, pct);
      return pct >= 100;
    }
  }
  return std::nullopt;
}

std::optional<std::string> CleanText(std::string_view text) {
  std::string_view t = Trim(text);
  if (t.empty()) return std::nullopt;
  return std::string(t);
}

std::optional<std::string> CleanCode(std::string_view text) {
  std::string_view t = Trim(text);
  if (t.empty()) return std::nullopt;
  return Upper(t);
}

std::optional<double> ParseDecimal(std::string_view text) {
  std::string_view t = Trim(text);
  if (t.empty()) return std::nullopt;
  if (t.front() == '+') t.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<int64_t> RoundCents(double v) {
  if (!std::isfinite(v) || v < 0 || v > 9.0e15) return std::nullopt;
  return static_cast<int64_t>(std::llround(v));
}

int64_t PricePerCaratCents(int64_t price_cents, double carats) {
  // Exact decimal arithmetic on micro-carats, so that 2001 / 0.4 = 5002.5
  // rounds to 5003 as in SQL's round(), not to 5002 through a binary fraction.
  const int64_t micro = std::llround(carats * 1e6);
  if (micro <= 0) return static_cast<int64_t>(std::llround(static_cast<double>(price_cents) / carats));
  const __int128 scaled = static_cast<__int128>(price_cents) * 1000000;
  return static_cast<int64_t>((scaled * 2 + micro) / (static_cast<__int128>(micro) * 2));
}

std::optional<double> Ratio(std::optional<double> length, std::optional<double> width) {
  if (!length || !width || *length <= 0 || *width <= 0) return std::nullopt;
  const double ratio = std::round(*length / *width * 1000.0) / 1000.0;
  if (!std::isfinite(ratio)) return std::nullopt;  // e.g. 1e300 / 1e-300
  return ratio;
}

std::optional<std::string> NormalizeTimestamp(std::string_view text) {
  WallTime t;
  if (!ParseIso8601(Trim(text), &t)) return std::nullopt;
  return FormatIso8601(t);
}

}  // namespace di::consolidate
