#include "storefront_rows.h"

#include <string>
#include <utility>
#include <vector>

namespace di::testing {
namespace {

// $1 natural rows, $2 lab-grown rows.
constexpr const char* kLoad = R"sql(
INSERT INTO diamonds (feed, supplier_stone_id, offer_id, status, deleted_at, shape, carats, color, clarity, cut,
                      lab_grown, price_cents, price_per_carat_cents, availability, payload_hash, last_run_id,
                      source_updated_at)
SELECT feed, feed || '-' || lpad(g::text, 7, '0'), 'offer-' || feed || '-' || g,
       CASE WHEN u < 0.05 THEN 'deleted' ELSE 'active' END, CASE WHEN u < 0.05 THEN now() END,
       shape, carats, color, clarity, cut, feed = 'labgrown', price, round(price / carats)::bigint,
       CASE WHEN u < 0.905 THEN 'available' WHEN u < 0.9715 THEN 'on_hold' ELSE 'sold' END,
       md5(feed || g), 'bench-seed', now() - interval '1 day' * u * 300
FROM (
  SELECT feed, g, u, shape, carats, color, clarity, cut,
         greatest(3000, round(carats * 500000 * power(carats, 0.9) * noise
           * CASE color WHEN 'D' THEN 1.6 WHEN 'E' THEN 1.45 WHEN 'F' THEN 1.3 WHEN 'G' THEN 1.15 WHEN 'H' THEN 1.0
               WHEN 'I' THEN 0.85 WHEN 'J' THEN 0.72 WHEN 'K' THEN 0.6 ELSE 0.5 END
           * CASE clarity WHEN 'FL' THEN 1.8 WHEN 'IF' THEN 1.6 WHEN 'VVS1' THEN 1.4 WHEN 'VVS2' THEN 1.3
               WHEN 'VS1' THEN 1.15 WHEN 'VS2' THEN 1.05 WHEN 'SI1' THEN 0.9 WHEN 'SI2' THEN 0.78 ELSE 0.6 END
           * CASE WHEN feed = 'labgrown' THEN 0.15 ELSE 1 END))::bigint AS price
  FROM (
    SELECT feed, g, random() AS u,
      (ARRAY['ROUND','ROUND','ROUND','ROUND','ROUND','ROUND','ROUND','ROUND','ROUND','ROUND','ROUND',
             'OVAL','OVAL','PRINCESS','CUSHION','EMERALD','PEAR','RADIANT','ASSCHER','MARQUISE','HEART'])
        [1 + floor(random() * 21)::int] AS shape,
      round(least(15, greatest(0.18,
        exp(ln(0.8) + 0.55 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))))::numeric, 2) AS carats,
      (ARRAY['D','E','E','F','F','F','G','G','G','H','H','H','I','I','J','J','K','L','M'])
        [1 + floor(random() * 19)::int] AS color,
      (ARRAY['FL','IF','VVS1','VVS1','VVS2','VVS2','VS1','VS1','VS1','VS2','VS2','VS2','SI1','SI1','SI1','SI2',
             'SI2','I1'])[1 + floor(random() * 18)::int] AS clarity,
      (ARRAY['EX','EX','EX','VG','VG','GD'])[1 + floor(random() * 6)::int] AS cut,
      exp(0.25 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS noise
    FROM (VALUES ('natural', $1::bigint), ('labgrown', $2::bigint)) f (feed, n), generate_series(1, f.n) g
  ) r
) x)sql";

}  // namespace

Status LoadStorefrontRows(pg::Connection& conn, int64_t natural, int64_t labgrown) {
  auto indexes = conn.Exec(
      "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'diamonds'"
      " AND indexname NOT IN ('diamonds_pkey', 'diamonds_feed_supplier_stone_id_key')");
  if (!indexes.ok()) return indexes.status();
  std::vector<std::pair<std::string, std::string>> defs;
  for (int i = 0; i < indexes->rows(); ++i) defs.emplace_back(indexes->GetString(i, 0), indexes->GetString(i, 1));
  for (const auto& [name, def] : defs) {
    if (Status s = conn.Exec("DROP INDEX " + name).status(); !s.ok()) return s;
  }
  if (Status s = conn.Exec("SELECT setseed(0.42)").status(); !s.ok()) return s;
  if (Status s = conn.Exec(kLoad, {pg::P(natural), pg::P(labgrown)}).status(); !s.ok()) return s;
  for (const auto& [name, def] : defs) {
    if (Status s = conn.Exec(def).status(); !s.ok()) return s;
  }
  return conn.Exec("VACUUM ANALYZE diamonds").status();
}

}  // namespace di::testing
