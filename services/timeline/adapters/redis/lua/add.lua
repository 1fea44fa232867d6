-- Adds ids to a cached stream that exists (ids below `:lo` left out, so the set stays complete from it; trimmed
-- back to its cap with `:lo` raised to the least id kept), or to the fill buffer of one being built, so that a
-- build from Cassandra never misses a write that raced with it.
-- KEYS: complete_from, ids, fill_claim, fill_buffer. ARGV: cap, fill buffer ttl ms, ids...
-- Returns 1 written, 2 buffered, 0 no cache.
local complete_from = redis.call('GET', KEYS[1])
if complete_from and redis.call('EXISTS', KEYS[2]) == 0 then  -- the set was evicted: no cache
  redis.call('DEL', KEYS[1])
  complete_from = false
end
if complete_from then
  for i = 3, #ARGV do
    if ARGV[i] >= complete_from then redis.call('ZADD', KEYS[2], 0, ARGV[i]) end
  end
  local cap = tonumber(ARGV[1])
  local size = redis.call('ZCARD', KEYS[2])
  if size > cap then
    redis.call('ZREMRANGEBYRANK', KEYS[2], 0, size - cap - 1)
    redis.call('SET', KEYS[1], redis.call('ZRANGE', KEYS[2], 0, 0)[1])
  end
  return 1
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  for i = 3, #ARGV do redis.call('ZADD', KEYS[4], 0, ARGV[i]) end
  redis.call('PEXPIRE', KEYS[4], ARGV[2])
  return 2
end
return 0
