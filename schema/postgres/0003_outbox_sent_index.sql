-- Sent rows are kept for a while (to see what went out, and when) and then deleted by their relay
-- (services.common.outbox.prune_sent). Until this migration every event ever emitted stayed: one row per post and
-- per graph change, 540,000 rows and 160 MB on a benchmark machine after one day. The pruning's query: a producer's
-- oldest sent rows.
CREATE INDEX IF NOT EXISTS outbox_sent ON outbox (producer, sent_at) WHERE sent_at IS NOT NULL;
