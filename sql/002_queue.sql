-- The embedded queue: messages, dead letters and the duplicate-detection history.

CREATE TABLE queue_messages (
  id             bigserial PRIMARY KEY,
  queue          text NOT NULL,
  body           text NOT NULL,
  dedup_id       text,
  enqueued_at    timestamptz NOT NULL DEFAULT now(),
  visible_at     timestamptz NOT NULL DEFAULT now(),  -- scheduled time, or lease expiry
  delivery_count integer NOT NULL DEFAULT 0,
  lease_token    text,
  last_error     text
);
CREATE INDEX queue_messages_ready ON queue_messages (queue, visible_at, id);

CREATE TABLE queue_dead_letters (
  id               bigint PRIMARY KEY,
  queue            text NOT NULL,
  body             text NOT NULL,
  dedup_id         text,
  enqueued_at      timestamptz NOT NULL,
  delivery_count   integer NOT NULL,
  reason           text NOT NULL,
  description      text,
  dead_lettered_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX queue_dead_letters_queue ON queue_dead_letters (queue, dead_lettered_at);

-- A dedup id is accepted once per queue within the detection window.
CREATE TABLE queue_dedup (
  queue      text NOT NULL,
  dedup_id   text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (queue, dedup_id)
);
CREATE INDEX queue_dedup_age ON queue_dedup (queue, created_at);
