-- Claims the build of a missing cached stream: the token, or false when the cache exists or is being built.
-- KEYS: complete_from, fill_claim. ARGV: token, ttl ms.
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return ARGV[1] end
return false
