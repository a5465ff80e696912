// Price cells: whole-dollar price ranges as Nivoda filters them (pure logic).
//
// A cell {from, to} is what `dollar_value: {from, to}` matches: offers priced
// from*100 <= cents <= to*100 (both ends inclusive; no `to`: open-ended). An
// offer at 1999.50 is in {1999, 2000} but in neither {1999, 1999} nor
// {2000, 2000}, so cells that split a range share their boundary dollar.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace di::ingest {

struct Cell {
  int64_t from = 0;
  std::optional<int64_t> to;
  bool operator==(const Cell& o) const { return from == o.from && to == o.to; }
};

bool InCell(int64_t price_cents, const Cell& cell);
std::string CellName(const Cell& cell);

}  // namespace di::ingest
