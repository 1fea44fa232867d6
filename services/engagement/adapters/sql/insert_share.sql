-- The share and its +1 in counter_changes.
WITH added AS (
    INSERT INTO engagement.shares (id, post_id, user_id, created_at)
    VALUES ($1, $2, $3, $4)
    RETURNING post_id
)
INSERT INTO engagement.counter_changes (post_id, shares)
SELECT post_id, 1 FROM added
