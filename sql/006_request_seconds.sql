-- Nivoda requests per run and wall-clock second, summed over every process:
-- each process's RequestRecorder (src/ops/request_recorder.h) adds its
-- per-second tallies here every few seconds. The run report
-- (`diamond-ingest report`) draws the request rate against the limit from it.
-- No foreign key to run_metadata: tallies may arrive after a run was deleted.
CREATE TABLE request_seconds (
  run_id         text NOT NULL,
  second         timestamptz NOT NULL,        -- start of the second (UTC)
  requests       integer NOT NULL DEFAULT 0,  -- HTTP exchanges, every operation
  errors         integer NOT NULL DEFAULT 0,  -- of those, outcome not ok
  rate_limited   integer NOT NULL DEFAULT 0,  -- of those, HTTP 429
  latency_ms_sum bigint NOT NULL DEFAULT 0,   -- summed HTTP latency
  PRIMARY KEY (run_id, second)
);
