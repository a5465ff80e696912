-- Planning overlapped with fetching (issue 18): the scheduler records a run as
-- soon as its first partitions are final and publishes the rest in later
-- transactions. `planning` is true until the last partition is published;
-- while it is, expected_partitions is one more than the partitions published,
-- so the run's counters cannot reach it and no partition end completes the
-- run early. A run still planning when no scheduler holds the scheduler lock
-- lost its scheduler: the next `schedule` (or `run`) fails it.
ALTER TABLE run_metadata ADD COLUMN IF NOT EXISTS planning boolean NOT NULL DEFAULT false;
