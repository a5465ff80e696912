-- The raw rows whose payload is not consolidated yet, kept apart so that a
-- consolidation finds them without reading the raw table (issue 18: an
-- unchanged 900,000-offer run read 1.9 GB of raw rows and probed `diamonds`
-- 900,000 times to find nothing). A trigger notes every raw row whose payload
-- (or feed) is new or changed, in the writer's transaction, with the hash it
-- now has; the consolidator removes a note only once that very hash is in
-- `diamonds` (or recorded as failing to map), so a payload written meanwhile
-- keeps its note (src/consolidate/README.md, "Pending notes").
CREATE TABLE raw_pending (
  supplier_stone_id text PRIMARY KEY,
  feed              text NOT NULL,
  payload_hash      text NOT NULL
);
CREATE INDEX raw_pending_feed ON raw_pending (feed);

CREATE FUNCTION raw_pending_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO raw_pending (supplier_stone_id, feed, payload_hash)
  VALUES (NEW.supplier_stone_id, NEW.feed, NEW.payload_hash)
  ON CONFLICT (supplier_stone_id) DO UPDATE SET feed = EXCLUDED.feed, payload_hash = EXCLUDED.payload_hash;
  RETURN NULL;
END $$;

CREATE TRIGGER raw_pending_on_insert AFTER INSERT ON raw_diamonds_nivoda
  FOR EACH ROW EXECUTE FUNCTION raw_pending_note();
CREATE TRIGGER raw_pending_on_change AFTER UPDATE ON raw_diamonds_nivoda
  FOR EACH ROW WHEN (OLD.payload_hash IS DISTINCT FROM NEW.payload_hash OR OLD.feed IS DISTINCT FROM NEW.feed)
  EXECUTE FUNCTION raw_pending_note();

INSERT INTO raw_pending (supplier_stone_id, feed, payload_hash)
  SELECT supplier_stone_id, feed, payload_hash FROM raw_consolidation_state WHERE NOT consolidated;

-- Finalizing a run reads only its index entries: the price histogram
-- (run_id, price_cents) and the soft delete's stones seen by the run
-- (supplier_stone_id), without the wide raw rows.
CREATE INDEX raw_diamonds_run_price_stone ON raw_diamonds_nivoda (run_id, price_cents) INCLUDE (supplier_stone_id);
DROP INDEX raw_diamonds_run_price;
