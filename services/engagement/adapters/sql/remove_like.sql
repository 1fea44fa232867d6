-- Deletes the like and, only if there was one, records its -1: one row back when a like was taken back.
WITH removed AS (
    DELETE FROM engagement.likes
    WHERE post_id = $1 AND user_id = $2
    RETURNING post_id
)
INSERT INTO engagement.counter_changes (post_id, likes)
SELECT post_id, -1 FROM removed
RETURNING id
