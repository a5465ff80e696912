// DiamondQuery: the filter of a count or page query, and DiamondOrder.
//
// Plain values (copyable, no synchronisation). Validate() enforces what the real
// service does not: every range has from <= to (an inverted range makes Nivoda
// return arbitrary offers), so the client refuses to send one. An open-ended
// range has no `to` and is sent without it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace di::nivoda {

// Whole US dollars, both ends inclusive.
struct DollarRange {
  int64_t from = 0;
  std::optional<int64_t> to;  // nullopt: open-ended
};

// Carats, both ends inclusive.
struct CaratRange {
  double from = 0;
  std::optional<double> to;
};

// ISO-8601 UTC timestamps (e.g. 2026-02-12T19:01:13.001Z), both ends
// inclusive; a missing end is open (at least one end is set).
struct TimeRange {
  std::optional<std::string> from;
  std::optional<std::string> to;
};

struct DiamondQuery {
  std::optional<DollarRange> dollar_value;
  std::optional<DollarRange> dollar_per_carat;
  std::optional<TimeRange> updated;
  std::optional<bool> labgrown;
  std::vector<std::string> shapes;  // empty: not sent
  std::optional<CaratRange> sizes;
  std::vector<std::string> availability;  // empty: not sent
  std::optional<bool> has_image;
  std::optional<bool> has_v360;
  std::optional<bool> exclude_fair_poor_cuts;  // sent as excludeFairPoorCuts
  std::optional<bool> hide_memo;

  // kInvalidArgument naming the field when a range is inverted (from > to), a
  // dollar or carat bound is negative, or a timestamp is not ISO-8601.
  Status Validate() const;
};

enum class Direction { kAsc, kDesc };

// DiamondOrder. type is one of createdAt, price, discount, color, clarity, cut,
// size, none, insert, price_per_carat, popular.
struct Order {
  std::string type = "price";
  Direction direction = Direction::kAsc;

  // kInvalidArgument when type is not one of the values above.
  Status Validate() const;
};

const char* DirectionName(Direction direction);  // "ASC" / "DESC"

}  // namespace di::nivoda
