-- The transactional outbox for queue backends that live outside PostgreSQL
-- (Azure Service Bus): messages are inserted in the caller's transaction and a
-- relay sends them after commit, deleting each row only once the broker
-- accepted it. dedup_id becomes the AMQP message-id, so a resend after a relay
-- crash is dropped by the broker's duplicate detection.
CREATE TABLE queue_outbox (
  id          bigserial PRIMARY KEY,
  queue       text NOT NULL,
  body        text NOT NULL,
  dedup_id    text,                 -- NULL: 'outbox:<id>' is used (stable across resends)
  visible_at  timestamptz,          -- scheduled enqueue time, NULL = now
  created_at  timestamptz NOT NULL DEFAULT now(),
  attempts    integer NOT NULL DEFAULT 0,
  last_error  text
);
