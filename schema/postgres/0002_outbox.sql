-- The transactional outbox shared by every service that emits events. A service inserts its event in the same
-- transaction as the change it describes; that service's relay publishes unsent rows to Kafka in id order and
-- stamps sent_at. `producer` names the emitting service, so each relay reads only its own rows.
CREATE TABLE IF NOT EXISTS outbox (
    id         bigserial PRIMARY KEY,
    producer   text        NOT NULL,
    topic      text        NOT NULL,
    msg_key    bytea       NOT NULL,
    payload    bytea       NOT NULL,
    headers    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);

-- The relay's only query: the oldest unsent rows of one producer.
CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (producer, id) WHERE sent_at IS NULL;
