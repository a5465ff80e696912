-- Names that say partitions where they mean partitions: the table of a run's
-- partitions and the run's partition counters were named after "workers" (the
-- original system's names), though a worker process handles many partitions.
--   worker_runs                    -> partition_runs
--   run_metadata.expected_workers  -> expected_partitions
--   run_metadata.completed_workers -> completed_partitions
--   run_metadata.failed_workers    -> failed_partitions
-- worker_runs stays as a view of partition_runs (same columns, updatable) for
-- readers outside this repository (dashboards, saved queries); the renamed
-- run_metadata columns have no alias (a table and a view cannot share a name).
-- Idempotent: every step checks the catalog first, so running the script again
-- changes nothing.
DO $$
DECLARE
  r record;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass('worker_runs') AND relkind = 'r') THEN
    ALTER TABLE worker_runs RENAME TO partition_runs;
  END IF;
  FOR r IN SELECT * FROM (VALUES ('expected_workers', 'expected_partitions'),
                                 ('completed_workers', 'completed_partitions'),
                                 ('failed_workers', 'failed_partitions')) AS c (old, new)
  LOOP
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = 'run_metadata' AND column_name = r.old) THEN
      EXECUTE format('ALTER TABLE run_metadata RENAME COLUMN %I TO %I', r.old, r.new);
    END IF;
  END LOOP;
  FOR r IN SELECT * FROM (VALUES
      ('partition_runs', 'worker_runs_run_id_partition_id_key', 'partition_runs_run_id_partition_id_key'),
      ('partition_runs', 'worker_runs_run_id_fkey', 'partition_runs_run_id_fkey'),
      ('partition_runs', 'worker_runs_status_check', 'partition_runs_status_check'),
      ('run_metadata', 'run_metadata_expected_workers_check', 'run_metadata_expected_partitions_check'))
      AS c (tab, old, new)
  LOOP
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(r.tab) AND conname = r.old) THEN
      EXECUTE format('ALTER TABLE %I RENAME CONSTRAINT %I TO %I', r.tab, r.old, r.new);
    END IF;
  END LOOP;
END $$;

CREATE OR REPLACE VIEW worker_runs AS
  SELECT run_id, partition_id, worker_id, status, records_processed, attempts, work_item_payload, error_message,
         started_at, completed_at
  FROM partition_runs;
COMMENT ON VIEW worker_runs IS 'Compatibility name of partition_runs (migration 010); use partition_runs.';
