#include "storefront_data.h"

#include "bench_support.h"

namespace di::bench {
namespace {

// $1 the item template, $2 run id, $3 first changed stone - 1, $4 changed, $5 changed + added.
constexpr const char* kRaw = R"sql(
INSERT INTO raw_diamonds_nivoda (supplier_stone_id, feed, run_id, offer_id, price_cents, source_updated_at,
                                 payload, payload_hash)
SELECT stone, 'natural', $2, offer, price, now(), p::json, encode(sha256(convert_to(p, 'UTF8')), 'hex')
FROM (
  SELECT stone, offer, price,
    jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set($1::jsonb,
      '{id}', to_jsonb(offer)), '{price}', to_jsonb(price)), '{markup_price}', to_jsonb(price)),
      '{diamond,id}', to_jsonb(stone)), '{diamond,certificate,carats}', to_jsonb(carats)),
      '{diamond,certificate,color}', to_jsonb(color)), '{diamond,certificate,shape}', to_jsonb(shape)),
      '{diamond,certificate,clarity}', to_jsonb(clarity))::text AS p
  FROM (
    SELECT CASE WHEN g <= $4::bigint THEN 'natural-' || lpad((g + $3::bigint)::text, 7, '0')
                ELSE $2 || '-new-' || g END AS stone,
           'offer-' || $2 || '-' || g AS offer,
           (30000 + (g * 7919) % 5000000)::bigint AS price,
           round((0.3 + (g % 300) / 100.0)::numeric, 2) AS carats,
           (ARRAY['D','E','F','G','H','I','J','K'])[1 + g % 8] AS color,
           (ARRAY['VVS1','VVS2','VS1','VS2','SI1','SI2'])[1 + g % 6] AS clarity,
           (ARRAY['ROUND','ROUND','OVAL','PRINCESS','CUSHION','EMERALD','PEAR'])[1 + g % 7] AS shape
    FROM generate_series(1, $5::bigint) g
  ) s
) x)sql";

}  // namespace

void WriteRawOffers(pg::Connection& conn, const std::string& run_id, int64_t first, int64_t changed, int64_t added) {
  Must(conn.Exec(kRaw, {pg::P(FixtureItem("natural_sim_item.json").dump()), pg::P(run_id), pg::P(first), pg::P(changed), pg::P(changed + added)})
           .status(),
       "raw offers of " + run_id);
  Must(conn.Exec("VACUUM ANALYZE raw_diamonds_nivoda").status(), "vacuum raw");
}

}  // namespace di::bench
