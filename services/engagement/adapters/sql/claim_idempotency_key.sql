-- Takes (user, key) for this request unless it is taken; a concurrent claim waits here for the first to commit.
INSERT INTO engagement.idempotency_keys (user_id, key, action, post_id, answer)
VALUES ($1, $2, $3, $4, $5::jsonb)
ON CONFLICT (user_id, key) DO NOTHING
RETURNING user_id
