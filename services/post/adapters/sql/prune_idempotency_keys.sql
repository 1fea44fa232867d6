-- Deletes up to $2 keys older than $1 seconds (IdempotencyKeyPruner); returns how many.
WITH old AS (
    SELECT author_id, key FROM post.idempotency_keys
    WHERE created_at < now() - make_interval(secs => $1)
    ORDER BY created_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), gone AS (
    DELETE FROM post.idempotency_keys k USING old
    WHERE k.author_id = old.author_id AND k.key = old.key
    RETURNING 1
)
SELECT count(*) FROM gone
