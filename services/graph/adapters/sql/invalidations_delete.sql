-- Removes the log entries $1, whose invalidations Redis took.
DELETE FROM graph.cache_invalidations WHERE id = ANY($1::bigint[])
