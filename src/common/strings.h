// ASCII text helpers and the number formatting every operator-facing view
// shares (plan tables, status, report, progress lines).
//
// Pure functions over bytes: no locale (std::isspace etc. in the "C" sense),
// no allocation beyond the returned string; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace di {

// S without leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r).
std::string_view Trim(std::string_view s);
// S with A-Z mapped to a-z (other bytes unchanged).
std::string Lower(std::string_view s);
// S with a-z mapped to A-Z (other bytes unchanged).
std::string Upper(std::string_view s);
// True iff A and B are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// "1,234,567"; negative numbers get a leading '-'. Every int64_t value.
std::string FormatCount(int64_t n);
// "$1,234,567"; negative amounts "-$5". Every int64_t value.
std::string FormatDollars(int64_t dollars);

}  // namespace di
