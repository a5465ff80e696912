-- The canonical offer columns of `diamonds`, written by the consolidator
-- (src/consolidate/README.md lists every column's source and rule), and the
-- raw rows it could not map.
--
-- Units: prices in integer US cents; carats, percentages, millimetres and
-- degrees as exact decimals (the JSON number text as served); free-text grades
-- trimmed, empty strings stored as NULL.

ALTER TABLE diamonds
  ADD COLUMN shape                  text,
  ADD COLUMN full_shape             text,
  ADD COLUMN carats                 numeric,
  ADD COLUMN color                  text,
  ADD COLUMN clarity                text,
  ADD COLUMN cut                    text,
  ADD COLUMN polish                 text,
  ADD COLUMN symmetry               text,
  ADD COLUMN fluorescence_intensity text,
  ADD COLUMN fluorescence_color     text,
  ADD COLUMN fancy_color            text,
  ADD COLUMN fancy_intensity        text,
  ADD COLUMN fancy_overtone         text,
  ADD COLUMN lab_grown              boolean NOT NULL DEFAULT false,
  ADD COLUMN treated                boolean,
  ADD COLUMN price_cents            bigint,
  ADD COLUMN diamond_price_cents    bigint,
  ADD COLUMN markup_price_cents     bigint,
  ADD COLUMN price_per_carat_cents  bigint,
  ADD COLUMN availability           text NOT NULL DEFAULT 'unavailable'
                                    CHECK (availability IN ('available', 'on_hold', 'sold', 'unavailable')),
  ADD COLUMN availability_raw       text,
  ADD COLUMN hold_id                text,
  ADD COLUMN nivoda_stock_id        text,
  ADD COLUMN supplier_stock_id      text,
  ADD COLUMN image_url              text,
  ADD COLUMN video_url              text,
  ADD COLUMN certificate_pdf_url    text,
  ADD COLUMN lab                    text,
  ADD COLUMN certificate_number     text,
  ADD COLUMN table_pct              numeric,
  ADD COLUMN depth_pct              numeric,
  ADD COLUMN length_mm              numeric,
  ADD COLUMN width_mm               numeric,
  ADD COLUMN depth_mm               numeric,
  ADD COLUMN ratio                  numeric,
  ADD COLUMN crown_angle            numeric,
  ADD COLUMN crown_height           numeric,
  ADD COLUMN pavilion_angle         numeric,
  ADD COLUMN pavilion_depth         numeric,
  ADD COLUMN girdle                 text,
  ADD COLUMN culet                  text,
  ADD COLUMN eye_clean              boolean,
  ADD COLUMN eye_clean_raw          text,
  ADD COLUMN brown                  smallint,
  ADD COLUMN green                  smallint,
  ADD COLUMN milky                  smallint,
  ADD COLUMN supplier_name          text,
  ADD COLUMN supplier_legal_name    text,
  ADD COLUMN source_updated_at      timestamptz,
  ADD COLUMN payload_hash           text;

-- Storefront listing: live stones of a feed by price.
CREATE INDEX diamonds_feed_status_price ON diamonds (feed, status, price_cents);

-- Raw rows the consolidator could not map (missing stone id, bad price,
-- carats, shape, ...): recorded once per run and stone, then skipped until
-- the stone's payload changes.
CREATE TABLE consolidation_failures (
  id                bigserial PRIMARY KEY,
  run_id            text NOT NULL,
  feed              text NOT NULL,
  supplier_stone_id text NOT NULL,
  payload_hash      text NOT NULL,
  reason            text NOT NULL,
  raw               text NOT NULL,
  recorded_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, supplier_stone_id)
);
CREATE INDEX consolidation_failures_stone ON consolidation_failures (supplier_stone_id);
