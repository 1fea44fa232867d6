-- Chunks pushed (or stored): each leaves its post's set of what is left (services.common.redis_keys.chunks_left, built
-- here from the prefix), replaced by the name of what it still waits for when one is given (its durable write); a
-- post with nothing left leaves the registry. Safe to repeat.
-- KEYS: the in-flight registry. ARGV: prefix, then (post id, author id, chunk name, name left in its place or '')
-- quadruples.
for i = 2, #ARGV, 4 do
  local left = ARGV[1] .. ':{p:' .. ARGV[i] .. '}:left'
  if ARGV[i + 3] ~= '' then redis.call('SADD', left, ARGV[i + 3]) end
  redis.call('SREM', left, ARGV[i + 2])
  if redis.call('EXISTS', left) == 0 then redis.call('ZREM', KEYS[1], ARGV[i + 1] .. ':' .. ARGV[i]) end
end
