-- Account-wide request budget: the next free send slot per Nivoda account, in
-- milliseconds of the database clock. Processes reserve a few slots at a time.
CREATE TABLE rate_limit_slots (
  account      text PRIMARY KEY,
  next_free_ms double precision NOT NULL DEFAULT 0,
  grants       bigint NOT NULL DEFAULT 0
);
