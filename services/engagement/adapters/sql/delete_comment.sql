-- Deletes the comment and, only if it was there, records its -1: one row back when it was deleted.
WITH removed AS (
    DELETE FROM engagement.comments
    WHERE id = $1 AND post_id = $2
    RETURNING post_id
)
INSERT INTO engagement.counter_changes (post_id, comments)
SELECT post_id, -1 FROM removed
RETURNING id
