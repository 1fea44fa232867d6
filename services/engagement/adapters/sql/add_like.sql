-- Inserts the like ($3: hidden, made while its author is shadow-banned) and, only if it is new and not hidden
-- (hidden engagement counts for nobody else and sends no event), its +1 in counter_changes and its event in the
-- outbox ($4-$8: the row services.common.outbox.enqueue_event writes; $9: the relay's channel, notified). One
-- statement: atomic on its own, one round trip. One row back, whether the like is new or was there: added, and
-- whether it is hidden.
WITH added AS (
    INSERT INTO engagement.likes (post_id, user_id, hidden)
    VALUES ($1, $2, $3)
    ON CONFLICT (post_id, user_id) DO NOTHING
    RETURNING post_id, hidden
), counted AS (
    INSERT INTO engagement.counter_changes (post_id, likes)
    SELECT post_id, 1 FROM added WHERE NOT hidden
), announced AS (
    INSERT INTO outbox (producer, topic, msg_key, payload, headers)
    SELECT $4, $5, $6, $7, $8::jsonb FROM added WHERE NOT hidden
    RETURNING pg_notify($9, producer)
)
SELECT true AS changed, hidden, (SELECT count(*) FROM announced) AS events FROM added
UNION ALL
-- the like that was there (the caller holds the row's lock: nobody else changed it meanwhile)
SELECT false, hidden, 0 FROM engagement.likes
WHERE post_id = $1 AND user_id = $2 AND NOT EXISTS (SELECT 1 FROM added)
