-- Inserts the like ($3: hidden, made while its author is shadow-banned) and, only if it is new and not hidden, its
-- +1 in counter_changes. One row back, whether the like is new or was there: added, and whether it is hidden.
WITH added AS (
    INSERT INTO engagement.likes (post_id, user_id, hidden)
    VALUES ($1, $2, $3)
    ON CONFLICT (post_id, user_id) DO NOTHING
    RETURNING post_id, hidden
), counted AS (
    INSERT INTO engagement.counter_changes (post_id, likes)
    SELECT post_id, 1 FROM added WHERE NOT hidden
)
SELECT true AS changed, hidden FROM added
UNION ALL
-- the like that was there (the caller holds the row's lock: nobody else changed it meanwhile)
SELECT false, hidden FROM engagement.likes
WHERE post_id = $1 AND user_id = $2 AND NOT EXISTS (SELECT 1 FROM added)
