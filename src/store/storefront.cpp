#include "store/storefront.h"

#include <algorithm>
#include <cstdio>

namespace di::store {
namespace {

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
  // One walk per (shape, carat band) in price order, each up to the page's
  // end, the page taken from their rows (a sort of at most walks x (offset +
  // 50) rows). One statement, planned once: the walks are a LATERAL subquery
  // over the shapes and bands, not one branch each. One walk over every carat
  // would pass every cheaper smaller stone before the first big one (price
  // follows carats); a walk per band reads only its own.
  const std::string lo = s.carats ? param(Carats(s.carats->first)) + "::numeric" : "0";
  const std::string hi = s.carats ? param(Carats(s.carats->second)) + "::numeric" : "1000";
  const std::string walk_limit = param(std::to_string(s.offset + kStorefrontPageSize));
  std::string from = "generate_series(diamond_carat_band(" + lo + "), diamond_carat_band(" + hi + ")) b (band)";
  std::string walk_where = where + " AND diamond_carat_band(carats) = b.band";
  if (!s.shapes.empty()) {
    std::vector<std::string> shapes = s.shapes;
    std::sort(shapes.begin(), shapes.end());
    shapes.erase(std::unique(shapes.begin(), shapes.end()), shapes.end());
    from = "unnest(" + param(ArrayLiteral(shapes)) + "::text[]) s (shape), " + from;
    walk_where += " AND shape = s.shape";
  }
  const std::string offset = s.offset > 0 ? " OFFSET " + param(std::to_string(s.offset)) + "::bigint" : "";
  st.sql =
      "SELECT d.id, d.supplier_stone_id, d.shape, d.carats, d.color, d.clarity, d.cut, d.price_cents, d.image_url"
      " FROM (SELECT w.id, w.price_cents FROM " + from +
      ", LATERAL (SELECT id, price_cents FROM diamonds WHERE " + walk_where + " ORDER BY " + order + " LIMIT " +
      walk_limit + "::bigint) w ORDER BY " + order + " LIMIT " + std::to_string(kStorefrontPageSize) + offset +
      ") page JOIN diamonds d USING (id) ORDER BY " + order;
  return st;
}

Result<pg::QueryResult> RunStorefrontSearch(pg::Connection& conn, const StorefrontSearch& search) {
  const StorefrontStatement st = StorefrontPageSql(search);
  return conn.Exec(st.sql, st.params);
}

}  // namespace di::store
