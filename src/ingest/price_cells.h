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
#include <utility>
#include <vector>

namespace di::ingest {

struct Cell {
  int64_t from = 0;
  std::optional<int64_t> to;
  bool operator==(const Cell& o) const { return from == o.from && to == o.to; }
};

bool InCell(int64_t price_cents, const Cell& cell);
// Number of SORTED_CENTS values inside CELL.
int64_t CountInCell(const std::vector<int64_t>& sorted_cents, const Cell& cell);
// Splits CELL into {from, m} and {m, to} at a whole dollar m strictly inside it,
// chosen at the median of the known prices inside the cell (or the middle of
// the range when there are too few). nullopt when no such m exists
// ({a, a}, {a, a + 1}) or the cell is open-ended with nothing known inside.
std::optional<std::pair<Cell, Cell>> Bisect(const Cell& cell, const std::vector<int64_t>& sorted_cents);
// Cuts RANGE into contiguous cells (sharing boundary dollars) of about
// PER_CELL of the SORTED_CENTS each; at least one cell, the last ending as RANGE.
std::vector<Cell> SplitIntoCells(const Cell& range, const std::vector<int64_t>& sorted_cents, int64_t per_cell);
std::string CellName(const Cell& cell);

}  // namespace di::ingest
