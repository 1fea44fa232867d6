-- Records the answer unless one is recorded already; returns the one that stands.
WITH saved AS (
    UPDATE engagement.idempotency_keys
    SET answer = $3::jsonb
    WHERE user_id = $1 AND key = $2 AND answer IS NULL
    RETURNING answer
)
SELECT answer FROM saved
UNION ALL
SELECT answer FROM engagement.idempotency_keys
WHERE user_id = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM saved)
