-- The comment and its +1 in counter_changes.
WITH added AS (
    INSERT INTO engagement.comments (id, post_id, author_id, text, created_at)
    VALUES ($1, $2, $3, $4, $5)
    RETURNING post_id
)
INSERT INTO engagement.counter_changes (post_id, comments)
SELECT post_id, 1 FROM added
