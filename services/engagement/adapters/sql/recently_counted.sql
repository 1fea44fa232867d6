-- Posts whose counters the flush changed since $1, for the reconciliation sweep.
SELECT post_id, updated_at
FROM engagement.post_counters
WHERE updated_at >= $1
ORDER BY updated_at
LIMIT $2
