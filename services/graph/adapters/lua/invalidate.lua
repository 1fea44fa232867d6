-- A new generation and the cached values deleted, atomically: between the two, a reader could tag the old follower
-- set with the new generation.
-- KEYS: generation, counts, followers. ARGV: a fresh token, ttl (s).
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('DEL', KEYS[2], KEYS[3])
return 1
