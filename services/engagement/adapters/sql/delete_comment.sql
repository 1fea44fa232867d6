-- Deletes the comment and, only if it was there and counted (not hidden), records its -1. One row back when it was
-- deleted: whether it was hidden.
WITH removed AS (
    DELETE FROM engagement.comments
    WHERE id = $1 AND post_id = $2
    RETURNING post_id, hidden
), counted AS (
    INSERT INTO engagement.counter_changes (post_id, comments)
    SELECT post_id, -1 FROM removed WHERE NOT hidden
)
SELECT true AS changed, hidden FROM removed
