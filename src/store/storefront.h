// Storefront search: one page of a shop's search of `diamonds`, and the one
// SQL statement that runs it (docs/SCHEMA.md, "Storefront reads"). The test
// (tests/store/storefront_test.cpp) and the benchmark (bench/bench_storefront)
// run these statements, so the shapes they check are the shapes a shop sends.
//
// A search names a feed and keeps the stones a shop may sell (status active,
// availability available); it filters optionally by shapes, a carat range,
// colours, clarities and a price range; it sorts by price (then id) ascending
// or descending; the next page continues after the previous page's last
// (price, id) (keyset: the same cost on every page), or skips OFFSET rows.
// The statement walks the storefront indexes of sql/016_storefront_indexes.sql
// in price order, one walk per (shape, carat band) the search touches
// (diamonds_storefront_shape; any shape: per band, diamonds_storefront_band),
// each up to the page's end, takes the page from their rows and reads its 50
// rows. The walks are a LATERAL subquery over the shapes and bands: one
// statement, planned once, whatever the number of walks.
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "store/pg.h"

namespace di::store {

inline constexpr int kStorefrontPageSize = 50;

struct StorefrontSearch {
  std::string feed;                 // natural | labgrown
  std::vector<std::string> shapes;  // upper-case, e.g. ROUND; empty: any
  // Inclusive, in carats with 2 decimals (stones carry 2).
  std::optional<std::pair<double, double>> carats;
  std::vector<std::string> colors, clarities;  // empty: any
  std::optional<std::pair<int64_t, int64_t>> price_cents;  // inclusive
  bool descending = false;
  // Keyset: (price_cents, id) of the previous page's last row.
  std::optional<std::pair<int64_t, int64_t>> after;
  int64_t offset = 0;  // rows skipped (deep pages without a keyset; prefer `after`)
};

struct StorefrontStatement {
  std::string sql;
  pg::Params params;
};

// The page statement of SEARCH. Its columns, in this order: id,
// supplier_stone_id, shape, carats, color, clarity, cut, price_cents,
// image_url; up to kStorefrontPageSize rows in the search's order.
StorefrontStatement StorefrontPageSql(const StorefrontSearch& search);

// Runs StorefrontPageSql(SEARCH) on CONN.
Result<pg::QueryResult> RunStorefrontSearch(pg::Connection& conn, const StorefrontSearch& search);

}  // namespace di::store
