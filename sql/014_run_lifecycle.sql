-- Run lifecycle (issue 19): every run reaches a terminal state.
--   * `cancelled` is a terminal status of a run (`diamond-ingest cancel`), and
--     of the partitions that had not ended when it was cancelled.
--   * A dead letter records whether its consequence was applied (handled_at):
--     a dead-lettered work item ends its partition as failed, a dead-lettered
--     consolidation fails its run, in the transaction that dead-letters it or,
--     when that could not be done (Service Bus: the broker dead-letters by
--     itself), in the sweep that finds it (src/roles/dead_letters.h). Dead
--     letters taken from a Service Bus dead-letter queue are kept here too;
--     their id comes from the queue_messages sequence and message_id holds the
--     broker's message id.
-- Idempotent: every step checks the catalog first or replaces what it adds.
ALTER TABLE run_metadata DROP CONSTRAINT IF EXISTS run_metadata_status_check;
ALTER TABLE run_metadata ADD CONSTRAINT run_metadata_status_check
  CHECK (status IN ('running', 'consolidating', 'completed', 'failed', 'cancelled'));

ALTER TABLE partition_runs DROP CONSTRAINT IF EXISTS partition_runs_status_check;
ALTER TABLE partition_runs ADD CONSTRAINT partition_runs_status_check
  CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled'));

ALTER TABLE queue_dead_letters ADD COLUMN IF NOT EXISTS handled_at timestamptz;
ALTER TABLE queue_dead_letters ADD COLUMN IF NOT EXISTS message_id text;
ALTER TABLE queue_dead_letters ALTER COLUMN id SET DEFAULT nextval('queue_messages_id_seq');
-- Dead letters written before this migration were never applied to their runs.
CREATE INDEX IF NOT EXISTS queue_dead_letters_unhandled ON queue_dead_letters (queue, id) WHERE handled_at IS NULL;
