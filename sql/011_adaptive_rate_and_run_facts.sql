-- The account's adapted rate lives in its row (src/ratelimit/adaptive_rate.h):
-- the rate set by the last decrease after an HTTP 429 (NULL: never decreased,
-- the configured limit applies), when that was, and the pause Retry-After
-- asked of the whole account, all in milliseconds of the database clock.
ALTER TABLE rate_limit_slots
  ADD COLUMN base_rate       double precision,
  ADD COLUMN base_ms         double precision NOT NULL DEFAULT 0,
  ADD COLUMN paused_until_ms double precision NOT NULL DEFAULT 0,
  ADD COLUMN rate_limited    bigint NOT NULL DEFAULT 0,  -- 429s reported by every process
  ADD COLUMN decreases       bigint NOT NULL DEFAULT 0;  -- of those, the ones that lowered the rate

-- A run's own facts, recorded when its consolidation finalizes it: the price
-- histogram of the stones it stored (bin = floor(log10(1 + dollars) * 24)).
-- raw_diamonds_nivoda keeps only the last run that saw each stone, so a later
-- run would otherwise shrink an earlier run's histogram (`diamond-ingest report`).
CREATE TABLE run_price_bins (
  run_id text NOT NULL REFERENCES run_metadata (run_id) ON DELETE CASCADE,
  bin    integer NOT NULL,
  offers bigint NOT NULL,
  PRIMARY KEY (run_id, bin)
);

-- Offers served that could not be stored are recorded once per sighting; the
-- run views count distinct offers (by the bytes served).
CREATE INDEX raw_offer_failures_run ON raw_offer_failures (run_id);

-- Requests repeated after a retryable error, per run and second (the report's
-- retries over time); requests never sent are no longer recorded at all.
ALTER TABLE request_seconds ADD COLUMN retries integer NOT NULL DEFAULT 0;
