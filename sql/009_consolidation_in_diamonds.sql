-- Consolidation state moves into `diamonds` itself: a raw row is consolidated
-- when its payload_hash is the payload_hash of its stone's row in `diamonds`
-- (the payload last mapped, written in the same transaction as the row), or
-- when that payload failed to map (consolidation_failures records its hash).
-- raw_consolidation repeated what `diamonds` holds: recording a hash there
-- cost a heap and a B-tree insert per mapped offer, half of the claim's time.
DROP VIEW raw_consolidation_state;
DROP TABLE raw_consolidation;

-- For the listing, operators and tests: whether each raw row's current
-- payload is consolidated (mapped into `diamonds`, or recorded as failing).
CREATE VIEW raw_consolidation_state AS
  SELECT r.supplier_stone_id, r.feed, r.run_id, r.payload_hash,
         d.payload_hash AS consolidated_hash, d.updated_at AS consolidated_at,
         d.payload_hash IS NOT DISTINCT FROM r.payload_hash
           OR EXISTS (SELECT 1 FROM consolidation_failures f
                      WHERE f.supplier_stone_id = r.supplier_stone_id AND f.payload_hash = r.payload_hash)
           AS consolidated
  FROM raw_diamonds_nivoda r
  LEFT JOIN diamonds d ON d.feed = r.feed AND d.supplier_stone_id = r.supplier_stone_id;
