-- Up to $2 log entries older than $1 seconds, oldest first: left behind by a process that could not finish them.
SELECT id, user_id
FROM graph.cache_invalidations
WHERE created_at < now() - make_interval(secs => $1)
ORDER BY created_at
LIMIT $2
