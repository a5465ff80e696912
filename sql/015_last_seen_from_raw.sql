-- Unchanged full runs write nothing in `diamonds` (issue 18): the run that last
-- saw a stone is its raw row's run_id, no longer copied into every diamonds row.
-- diamonds.last_run_id now names the run whose version of the stone the row
-- maps (the run that last mapped, inserted or undeleted it).
COMMENT ON COLUMN diamonds.last_run_id IS
  'the run whose version of the stone this row maps (last mapped, inserted or undeleted); the run that last saw it: diamond_last_seen';

CREATE VIEW diamond_last_seen AS
SELECT d.feed, d.supplier_stone_id, d.status, r.run_id AS last_seen_run_id, r.updated_at AS last_seen_at
FROM diamonds d
LEFT JOIN raw_diamonds_nivoda r ON r.supplier_stone_id = d.supplier_stone_id AND r.feed = d.feed;
