#include "store/storefront.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace di::store {
namespace {

// The bounds of diamond_carat_band() in sql/016_storefront_indexes.sql
// (storefront_test checks that both agree).
constexpr std::array<double, 15> kCaratBandBounds = {0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
                                                     1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0};

// "{a,b}": a text[] literal of plain words (shapes and grades: letters and digits).
std::string ArrayLiteral(const std::vector<std::string>& words) {
  std::string out = "{";
  for (size_t i = 0; i < words.size(); ++i) out += (i ? "," : "") + words[i];
  return out + "}";
}

std::string Carats(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

int CaratBand(double carats) {
  // width_bucket(carats, bounds): the number of bounds <= carats. Carats carry
  // two decimals: compare in hundredths so 0.30 is band 1 as in SQL.
  const long hundredths = std::lround(carats * 100);
  int band = 0;
  while (band < static_cast<int>(kCaratBandBounds.size()) && hundredths >= std::lround(kCaratBandBounds[band] * 100)) {
    ++band;
  }
  return band;
}

StorefrontStatement StorefrontPageSql(const StorefrontSearch& s) {
  StorefrontStatement st;
  auto param = [&st](std::string value) {
    st.params.push_back(std::move(value));
    return "$" + std::to_string(st.params.size());
  };
  // The index predicate (sql/016) first, then the filters each walk checks on
  // its index entries (every value a parameter).
  std::string where = "status = 'active' AND availability = 'available' AND feed = " + param(s.feed);
  if (s.carats) {
    where += " AND carats BETWEEN " + param(Carats(s.carats->first)) + "::numeric";
    where += " AND " + param(Carats(s.carats->second)) + "::numeric";
  }
  if (!s.colors.empty()) where += " AND color = ANY (" + param(ArrayLiteral(s.colors)) + "::text[])";
  if (!s.clarities.empty()) where += " AND clarity = ANY (" + param(ArrayLiteral(s.clarities)) + "::text[])";
  if (s.price_cents) {
    where += " AND price_cents BETWEEN " + param(std::to_string(s.price_cents->first)) + "::bigint";
    where += " AND " + param(std::to_string(s.price_cents->second)) + "::bigint";
  }
  if (s.after) {
    where += std::string(" AND (price_cents, id) ") + (s.descending ? "<" : ">") + " (";
    where += param(std::to_string(s.after->first)) + "::bigint, ";
    where += param(std::to_string(s.after->second)) + "::bigint)";
  }
  const std::string order = s.descending ? "price_cents DESC, id DESC" : "price_cents, id";
  const std::string offset = s.offset > 0 ? " OFFSET " + param(std::to_string(s.offset)) + "::bigint" : "";
  const std::string columns =
      "SELECT d.id, d.supplier_stone_id, d.shape, d.carats, d.color, d.clarity, d.cut, d.price_cents, d.image_url"
      " FROM (";
  const std::string tail = " LIMIT " + std::to_string(kStorefrontPageSize) + offset +
                           ") page JOIN diamonds d USING (id) ORDER BY " + order;
  if (!s.carats) {
    // No carat range: one walk of the price index, filtering on its entries.
    if (!s.shapes.empty()) where += " AND shape = ANY (" + param(ArrayLiteral(s.shapes)) + "::text[])";
    st.sql = columns + "SELECT id, price_cents FROM diamonds WHERE " + where + " ORDER BY " + order + tail;
    return st;
  }
  // A carat range: one walk per (shape, carat band), each up to the page's
  // end; Merge Append takes the page from their heads. One walk over every
  // carat would pass every cheaper smaller stone before the first big one
  // (price follows carats).
  const std::string branch_limit = param(std::to_string(s.offset + kStorefrontPageSize));
  std::vector<std::string> shapes = s.shapes;
  std::sort(shapes.begin(), shapes.end());
  shapes.erase(std::unique(shapes.begin(), shapes.end()), shapes.end());
  if (shapes.empty()) shapes.push_back("");  // any shape: diamonds_storefront_band
  std::string branches;
  for (const std::string& shape : shapes) {
    const std::string shape_cond = shape.empty() ? "" : " AND shape = " + param(shape);
    for (int band = CaratBand(s.carats->first); band <= CaratBand(s.carats->second); ++band) {
      if (!branches.empty()) branches += " UNION ALL ";
      branches += "(SELECT id, price_cents FROM diamonds WHERE " + where + shape_cond +
                  " AND diamond_carat_band(carats) = " + param(std::to_string(band)) + "::integer ORDER BY " + order +
                  " LIMIT " + branch_limit + "::bigint)";
    }
  }
  st.sql = columns + "SELECT id, price_cents FROM (" + branches + ") branches ORDER BY " + order + tail;
  return st;
}

Result<pg::QueryResult> RunStorefrontSearch(pg::Connection& conn, const StorefrontSearch& search) {
  const StorefrontStatement st = StorefrontPageSql(search);
  return conn.Exec(st.sql, st.params);
}

}  // namespace di::store
