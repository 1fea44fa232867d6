-- Deletes the like and, only if there was one that counted (not hidden), records its -1 and its event in the outbox
-- ($3-$7: the row services.common.outbox.enqueue_event writes; $8: the relay's channel, notified). One statement:
-- atomic on its own, one round trip. One row back when a like was taken back: whether it was hidden.
WITH removed AS (
    DELETE FROM engagement.likes
    WHERE post_id = $1 AND user_id = $2
    RETURNING post_id, hidden
), counted AS (
    INSERT INTO engagement.counter_changes (post_id, likes)
    SELECT post_id, -1 FROM removed WHERE NOT hidden
), announced AS (
    INSERT INTO outbox (producer, topic, msg_key, payload, headers)
    SELECT $3, $4, $5, $6, $7::jsonb FROM removed WHERE NOT hidden
    RETURNING pg_notify($8, producer)
)
SELECT true AS changed, hidden, (SELECT count(*) FROM announced) AS events FROM removed
