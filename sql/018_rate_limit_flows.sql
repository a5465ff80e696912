-- The account's budget shared between flows (the feeds), src/ratelimit/fair_share.h:
-- per account and flow, the end of the last block of slots the flow reserved and
-- when it last asked, in milliseconds of the database clock. Written under the
-- lock of the account's rate_limit_slots row.
CREATE TABLE rate_limit_flows (
  account       text NOT NULL REFERENCES rate_limit_slots (account) ON DELETE CASCADE,
  flow          text NOT NULL,
  last_slot_ms  double precision NOT NULL DEFAULT 0,
  last_asked_ms double precision NOT NULL DEFAULT 0,
  grants        bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (account, flow)
);
