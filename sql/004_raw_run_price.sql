-- The worker's verification tallies the stones a run stored in a price range.
CREATE INDEX raw_diamonds_run_price ON raw_diamonds_nivoda (run_id, price_cents);
