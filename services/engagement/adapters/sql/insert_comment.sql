-- The comment ($6: hidden, made while its author is shadow-banned) and, unless hidden, its +1 in counter_changes.
WITH added AS (
    INSERT INTO engagement.comments (id, post_id, author_id, text, created_at, hidden)
    VALUES ($1, $2, $3, $4, $5, $6)
    RETURNING post_id, hidden
)
INSERT INTO engagement.counter_changes (post_id, comments)
SELECT post_id, 1 FROM added WHERE NOT hidden
