-- An outbox row the broker refuses for good (a message it will never take:
-- no such queue, too large, rejected) is set aside after a number of attempts
-- instead of being retried forever: the rows after it flow on, the relay
-- raises an alert, and `status` counts it with the queue's dead letters.
-- Clear set_aside_at to send it again.
ALTER TABLE queue_outbox ADD COLUMN set_aside_at timestamptz;
CREATE INDEX queue_outbox_pending ON queue_outbox (id) WHERE set_aside_at IS NULL;
