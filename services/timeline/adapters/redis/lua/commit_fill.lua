-- Commits a build of a cached stream from Cassandra (if the claim is still this token): the ids read, with the
-- writes buffered meanwhile, trimmed to the cap. A fill with nothing to hold creates no cache (the reader's next
-- read fills again): an empty sorted set does not exist in Redis, so its `:lo` could not expire with it.
-- KEYS: complete_from, ids, fill_claim, fill_buffer. ARGV: token, cap, complete from, ttl ms, ids...
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
local buffered = redis.call('ZRANGE', KEYS[4], 0, -1)
redis.call('DEL', KEYS[3], KEYS[4])
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
local complete_from = ARGV[3]
for i = 5, #ARGV do redis.call('ZADD', KEYS[2], 0, ARGV[i]) end
for _, id in ipairs(buffered) do
  if id >= complete_from then redis.call('ZADD', KEYS[2], 0, id) end
end
local cap = tonumber(ARGV[2])
local size = redis.call('ZCARD', KEYS[2])
if size == 0 then return 0 end
if size > cap then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, size - cap - 1)
  complete_from = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
end
local ttl = tonumber(ARGV[4])
redis.call('SET', KEYS[1], complete_from, 'PX', ttl)
redis.call('PEXPIRE', KEYS[2], ttl + 60000)
return 1
