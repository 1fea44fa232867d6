-- Chunks pushed: each leaves its post's set of what is left (services.common.redis_keys.chunks_left, built here
-- from the prefix), and a post with nothing left leaves the registry. Safe to repeat.
-- KEYS: the in-flight registry. ARGV: prefix, then (post id, author id, chunk name) triples.
for i = 2, #ARGV, 3 do
  local left = ARGV[1] .. ':{p:' .. ARGV[i] .. '}:left'
  redis.call('SREM', left, ARGV[i + 2])
  if redis.call('EXISTS', left) == 0 then redis.call('ZREM', KEYS[1], ARGV[i + 1] .. ':' .. ARGV[i]) end
end
