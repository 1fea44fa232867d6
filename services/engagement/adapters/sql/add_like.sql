-- Inserts the like and, only if it is new, its +1 in counter_changes: one row back when the like was added.
WITH added AS (
    INSERT INTO engagement.likes (post_id, user_id)
    VALUES ($1, $2)
    ON CONFLICT (post_id, user_id) DO NOTHING
    RETURNING post_id
)
INSERT INTO engagement.counter_changes (post_id, likes)
SELECT post_id, 1 FROM added
RETURNING id
