#include "ingest/price_cells.h"

namespace di::ingest {

bool InCell(int64_t cents, const Cell& cell) {
  return cents >= cell.from * 100 && (!cell.to || cents <= *cell.to * 100);
}

std::string CellName(const Cell& cell) {
  return "$" + std::to_string(cell.from) + "-" + (cell.to ? "$" + std::to_string(*cell.to) : std::string("open"));
}

}  // namespace di::ingest
