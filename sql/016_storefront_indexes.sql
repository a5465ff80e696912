-- Storefront reads of `diamonds` (docs/SCHEMA.md, "Storefront reads"): a page
-- of 50 stones a shop may sell (status active, availability available) of a
-- feed, filtered by shapes, a carat range, colours, clarities and a price
-- range, sorted by price. The statement is src/store/storefront.cpp's. Two
-- partial indexes over those stones, each carrying the columns its searches
-- filter on (the filters are checked on index entries; the heap is read for
-- the page's 50 rows, and for entries of pages not yet all-visible):
--   band  (feed, carat band, price, id)        searches without shapes
--   shape (feed, shape, carat band, price, id) searches with shapes
-- A search walks each (shape, carat band) it touches in price order and takes
-- the page from the walks' heads, because price follows carats: one walk over
-- all carats would pass every cheaper small stone before the first big one.
-- bench/bench_storefront measures the searches and what the indexes cost a
-- consolidation.

-- The carat band of a stone: 0 below 0.30 ct, 15 from 5.00 ct; the bounds are
-- where prices jump. Immutable, so indexes can use it; queries call it
-- exactly so.
CREATE FUNCTION diamond_carat_band(carats numeric) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT width_bucket(carats, '{0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0,1.2,1.5,2.0,2.5,3.0,4.0,5.0}'::numeric[]) $$;

CREATE INDEX diamonds_storefront_band ON diamonds (feed, diamond_carat_band(carats), price_cents, id)
  INCLUDE (carats, color, clarity) WHERE status = 'active' AND availability = 'available';
CREATE INDEX diamonds_storefront_shape ON diamonds (feed, shape, diamond_carat_band(carats), price_cents, id)
  INCLUDE (carats, color, clarity) WHERE status = 'active' AND availability = 'available';

-- Migration 005's (feed, status, price_cents): its one reader, the storefront
-- listing, is served by diamonds_storefront_band. The other statements on
-- diamonds (upsert, undelete, changes) find stones by the unique (feed,
-- supplier_stone_id); a full run's soft delete (feed = $1 AND status =
-- 'active', most of a feed) reads the table (EXPLAIN at 300,000 rows).
DROP INDEX IF EXISTS diamonds_feed_status_price;
