-- Logs an invalidation of each user $1[i], in the transaction of the change; the entries' ids.
INSERT INTO graph.cache_invalidations (user_id)
SELECT unnest($1::bigint[])
RETURNING id
