-- Caches counts read from PostgreSQL, unless the generation changed since they were read.
-- KEYS: generation, counts. ARGV: expected generation, followers, following, ttl (s).
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], 'f', ARGV[2], 'g', ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
