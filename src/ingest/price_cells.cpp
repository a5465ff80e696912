#include "ingest/price_cells.h"

#include <algorithm>

namespace di::ingest {

bool InCell(int64_t cents, const Cell& cell) {
  return cents >= cell.from * 100 && (!cell.to || cents <= *cell.to * 100);
}

int64_t CountInCell(const std::vector<int64_t>& sorted, const Cell& cell) {
  auto lo = std::lower_bound(sorted.begin(), sorted.end(), cell.from * 100);
  auto hi = cell.to ? std::upper_bound(sorted.begin(), sorted.end(), *cell.to * 100) : sorted.end();
  return hi > lo ? hi - lo : 0;
}

std::optional<std::pair<Cell, Cell>> Bisect(const Cell& cell, const std::vector<int64_t>& sorted) {
  auto lo = std::lower_bound(sorted.begin(), sorted.end(), cell.from * 100);
  auto hi = cell.to ? std::upper_bound(sorted.begin(), sorted.end(), *cell.to * 100) : sorted.end();
  int64_t m;
  if (hi - lo >= 2) {
    m = *(lo + (hi - lo) / 2) / 100;  // the median price's dollar
  } else if (cell.to) {
    m = cell.from + (*cell.to - cell.from) / 2;
  } else {
    return std::nullopt;
  }
  // Keep m strictly inside, so both halves are smaller than the cell.
  if (m <= cell.from) m = cell.from + 1;
  if (cell.to && m >= *cell.to) m = *cell.to - 1;
  if (m <= cell.from || (cell.to && m >= *cell.to)) return std::nullopt;
  return std::make_pair(Cell{cell.from, m}, Cell{m, cell.to});
}

std::vector<Cell> SplitIntoCells(const Cell& range, const std::vector<int64_t>& sorted, int64_t per_cell) {
  std::vector<Cell> cells;
  int64_t from = range.from;
  auto lo = std::lower_bound(sorted.begin(), sorted.end(), range.from * 100);
  auto hi = range.to ? std::upper_bound(sorted.begin(), sorted.end(), *range.to * 100) : sorted.end();
  for (auto it = lo + std::min<int64_t>(per_cell, hi - lo); per_cell > 0 && it < hi;
       it += std::min<int64_t>(per_cell, hi - it)) {
    int64_t cut = *it / 100;
    if (cut <= from || (range.to && cut >= *range.to)) continue;
    cells.push_back({from, cut});
    from = cut;
  }
  cells.push_back({from, range.to});
  return cells;
}

std::string CellName(const Cell& cell) {
  return "$" + std::to_string(cell.from) + "-" + (cell.to ? "$" + std::to_string(*cell.to) : std::string("open"));
}

}  // namespace di::ingest
