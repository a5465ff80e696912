-- What each consolidation did to `diamonds`: the stones a run's consolidation
-- added, changed (payload differed from the one last mapped), soft-deleted (a
-- complete full run no longer saw them) and undeleted (seen again). Written in
-- the same statement or transaction as the change itself (a batch's COPY and
-- upsert, the finalize), so a crash leaves both or neither. Read by
-- `diamond-ingest changes --run-id ID` (docs/SCHEMA.md); runs consolidated
-- before this migration have no rows here.
-- One row per batch and kind, the stone ids in an array: logging a first full
-- run's 440,000 added stones costs 220 rows, not 440,000. The view lists one
-- row per stone. A stone may be listed twice with one kind for one run when
-- its raw payload changed again while the run was being consolidated.
CREATE TABLE diamond_changes (
  run_id             text NOT NULL,
  change             text NOT NULL CHECK (change IN ('added', 'changed', 'deleted', 'undeleted')),
  supplier_stone_ids text[] NOT NULL,
  recorded_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX diamond_changes_run ON diamond_changes (run_id);

CREATE VIEW diamond_change_stones AS
  SELECT c.run_id, c.change, s.supplier_stone_id, c.recorded_at
  FROM diamond_changes c CROSS JOIN LATERAL unnest(c.supplier_stone_ids) AS s (supplier_stone_id);
