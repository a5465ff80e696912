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

std::string CellName(const Cell& cell) {
  return "$" + std::to_string(cell.from) + "-" + (cell.to ? "$" + std::to_string(*cell.to) : std::string("open"));
}

}  // namespace di::ingest
