-- The user's current generation, created when there is none.
-- KEYS: generation. ARGV: a fresh token, ttl (s).
local generation = redis.call('GET', KEYS[1])
if generation then return generation end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return ARGV[1]
