-- Every user with an entry in the invalidation log.
SELECT DISTINCT user_id FROM graph.cache_invalidations
