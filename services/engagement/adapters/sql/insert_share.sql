-- The share ($5: hidden, made while its author is shadow-banned) and, unless hidden, its +1 in counter_changes.
WITH added AS (
    INSERT INTO engagement.shares (id, post_id, user_id, created_at, hidden)
    VALUES ($1, $2, $3, $4, $5)
    RETURNING post_id, hidden
)
INSERT INTO engagement.counter_changes (post_id, shares)
SELECT post_id, 1 FROM added WHERE NOT hidden
