// Value rules of the mapping: the normalisation of single vendor values that
// need more than a copy (availability, eye clean, prices, decimals, text).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "consolidate/diamond_row.h"

namespace di::consolidate {

// Exact, case-insensitive match on the trimmed text (never a substring test:
// "UNAVAILABLE" contains "AVAILABLE"):
//   AVAILABLE -> available; ON HOLD, HOLD, ON_HOLD, ONHOLD, MEMO -> on_hold;
//   SOLD -> sold; anything else or null -> unavailable.
// MEMO counts as on hold: the stone is out on consignment and cannot be
// bought until it returns, like a stone held for another buyer.
Availability NormalizeAvailability(std::optional<std::string_view> raw);

// Eye clean as a tri-state from free text (case-insensitive, trimmed):
//   true:  yes, y, true, eye clean, ec, 100%, 100% eye clean (any text whose
//          leading percentage is 100)
//   false: no, n, false, not eye clean, a leading percentage below 100 ("90%")
//   null:  empty, n/a, na, unknown, grades such as "E1", anything else.
std::optional<bool> ParseEyeClean(std::string_view text);

// Trimmed text, or nullopt when empty.
std::optional<std::string> CleanText(std::string_view text);
// CleanText, upper-cased (ASCII): grades and codes compare exactly.
std::optional<std::string> CleanCode(std::string_view text);

// A decimal number from text ("61.5", " 62 "); nullopt when not a finite number.
std::optional<double> ParseDecimal(std::string_view text);

// Whole cents from a number of cents; nullopt unless V is finite and >= 0.
// Fractions are rounded half away from zero (used for the optional prices).
std::optional<int64_t> RoundCents(double v);

// round(price_cents / carats), half away from zero, computed in exact decimal
// (carats to 6 decimals). REQUIRES: price_cents >= 0, carats > 0.
int64_t PricePerCaratCents(int64_t price_cents, double carats);

// length / width rounded to 3 decimals; nullopt unless both are > 0 and the
// ratio is finite.
std::optional<double> Ratio(std::optional<double> length, std::optional<double> width);

// ISO-8601 UTC text normalised to millisecond precision
// (2026-02-12T19:01:13.001Z); nullopt when not a valid timestamp.
std::optional<std::string> NormalizeTimestamp(std::string_view text);

}  // namespace di::consolidate
