-- Deletes the like and, only if there was one that counted (not hidden), records its -1. One row back when a like
-- was taken back: whether it was hidden.
WITH removed AS (
    DELETE FROM engagement.likes
    WHERE post_id = $1 AND user_id = $2
    RETURNING post_id, hidden
), counted AS (
    INSERT INTO engagement.counter_changes (post_id, likes)
    SELECT post_id, -1 FROM removed WHERE NOT hidden
)
SELECT true AS changed, hidden FROM removed
