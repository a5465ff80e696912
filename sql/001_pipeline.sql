-- Runs, partitions and their progress, raw offers: the pipeline's own state.

CREATE TABLE run_metadata (
  run_id               text PRIMARY KEY,
  feed                 text NOT NULL CHECK (feed IN ('natural', 'labgrown')),
  run_type             text NOT NULL CHECK (run_type IN ('full', 'incremental')),
  status               text NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'consolidating', 'completed', 'failed')),
  expected_workers     integer NOT NULL CHECK (expected_workers >= 0),
  completed_workers    integer NOT NULL DEFAULT 0,
  failed_workers       integer NOT NULL DEFAULT 0,
  expected_records     bigint NOT NULL DEFAULT 0,
  count_queries        integer NOT NULL DEFAULT 0,
  watermark_before     timestamptz,
  watermark_after      timestamptz,
  updated_from         timestamptz,
  updated_to           timestamptz NOT NULL,
  started_at           timestamptz NOT NULL DEFAULT now(),
  completed_at         timestamptz,
  consolidation_forced boolean NOT NULL DEFAULT false,
  consolidation_started_at   timestamptz,
  consolidation_completed_at timestamptz,
  consolidation_stats  jsonb,
  error_message        text
);
CREATE INDEX run_metadata_feed_started ON run_metadata (feed, started_at DESC);

CREATE TABLE worker_runs (
  run_id            text NOT NULL REFERENCES run_metadata (run_id) ON DELETE CASCADE,
  partition_id      integer NOT NULL,
  worker_id         text,
  status            text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'running', 'completed', 'failed')),
  records_processed bigint NOT NULL DEFAULT 0,
  attempts          integer NOT NULL DEFAULT 0,
  work_item_payload jsonb NOT NULL,
  error_message     text,
  started_at        timestamptz,
  completed_at      timestamptz,
  UNIQUE (run_id, partition_id)
);

CREATE TABLE partition_progress (
  run_id           text NOT NULL REFERENCES run_metadata (run_id) ON DELETE CASCADE,
  partition_id     integer NOT NULL,
  price_min        bigint NOT NULL,
  price_max        bigint,              -- NULL: open-ended
  expected_records bigint NOT NULL DEFAULT 0,
  next_offset      bigint NOT NULL DEFAULT 0,
  phase            text NOT NULL DEFAULT 'paging',
  pages_fetched    bigint NOT NULL DEFAULT 0,
  records_fetched  bigint NOT NULL DEFAULT 0,
  checkpoint       jsonb,               -- the fetch algorithm's resumable state
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, partition_id),
  CHECK (price_max IS NULL OR price_min <= price_max)
);

CREATE TABLE raw_diamonds_nivoda (
  supplier_stone_id text PRIMARY KEY,
  feed              text NOT NULL,
  run_id            text NOT NULL,      -- the last run that saw the stone
  offer_id          text NOT NULL,
  price_cents       bigint,
  source_updated_at timestamptz,
  payload           json NOT NULL,      -- the item's JSON text exactly as served
  payload_hash      text NOT NULL,      -- SHA-256 of that text
  consolidated      boolean NOT NULL DEFAULT false,
  consolidated_hash text,               -- payload_hash at the last consolidation
  first_seen_at     timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX raw_diamonds_unconsolidated ON raw_diamonds_nivoda (feed) WHERE NOT consolidated;
CREATE INDEX raw_diamonds_run ON raw_diamonds_nivoda (feed, run_id);

-- Offers the worker could not store (missing stone id, malformed price, ...).
CREATE TABLE raw_offer_failures (
  id           bigserial PRIMARY KEY,
  run_id       text NOT NULL,
  partition_id integer,
  reason       text NOT NULL,
  raw          text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- Canonical table; the consolidator's migration adds the typed offer columns.
CREATE TABLE diamonds (
  id                bigserial PRIMARY KEY,
  feed              text NOT NULL,
  supplier_stone_id text NOT NULL,
  offer_id          text NOT NULL,
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleted')),
  deleted_at        timestamptz,
  last_run_id       text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (feed, supplier_stone_id)
);

-- The embedded watermark store (Azure Blob in production).
CREATE TABLE watermarks (
  feed                  text PRIMARY KEY,
  last_updated_at       timestamptz NOT NULL,
  last_run_id           text NOT NULL,
  last_run_completed_at timestamptz NOT NULL,
  version               bigint NOT NULL DEFAULT 1
);
