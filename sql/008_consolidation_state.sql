-- Consolidation state moves out of the wide raw row: marking a stone
-- consolidated used to rewrite its whole raw tuple (~1.7 KB of inline JSON)
-- plus three index entries (the partial index on `consolidated` ruled out HOT
-- updates). Now a narrow row per stone holds the payload hash last mapped into
-- `diamonds`; a raw row is unconsolidated when its payload_hash differs from
-- that hash (or has none).
CREATE TABLE raw_consolidation (
  supplier_stone_id text PRIMARY KEY,
  consolidated_hash text NOT NULL,
  consolidated_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO raw_consolidation (supplier_stone_id, consolidated_hash)
  SELECT supplier_stone_id, consolidated_hash FROM raw_diamonds_nivoda
  WHERE consolidated AND consolidated_hash IS NOT NULL;
DROP INDEX raw_diamonds_unconsolidated;
ALTER TABLE raw_diamonds_nivoda DROP COLUMN consolidated, DROP COLUMN consolidated_hash;

-- For operators and tests: whether each raw row's current payload is the one
-- last consolidated.
CREATE VIEW raw_consolidation_state AS
  SELECT r.supplier_stone_id, r.feed, r.run_id, r.payload_hash, c.consolidated_hash, c.consolidated_at,
         c.consolidated_hash IS NOT DISTINCT FROM r.payload_hash AS consolidated
  FROM raw_diamonds_nivoda r LEFT JOIN raw_consolidation c USING (supplier_stone_id);
