-- Publishes a staged follower set, unless the generation changed since it was read (then drops it).
-- KEYS: generation, staged set, followers. ARGV: expected generation, ttl (s).
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then
  redis.call('DEL', KEYS[2])
  return 0
end
redis.call('RENAME', KEYS[2], KEYS[3])
redis.call('EXPIRE', KEYS[3], ARGV[2])
return 1
