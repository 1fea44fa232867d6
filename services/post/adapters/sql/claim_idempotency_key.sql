-- Takes (author, key) for this post unless it is taken; a concurrent claim waits here for the first to commit.
INSERT INTO post.idempotency_keys (author_id, key, post_id)
VALUES ($1, $2, $3)
ON CONFLICT (author_id, key) DO NOTHING
RETURNING post_id
