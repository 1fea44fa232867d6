-- Publishes a rebuilt post (its staged sets, each with the sentinel) unless a change was applied since the rebuild
-- read the post's token: then the staged sets are dropped and the post stays uncached.
-- KEYS: gen, the likes, comments and shares sets, then the three staged sets in the same order.
-- ARGV: the token the rebuild read ('' for none), ttl seconds. Returns 1 when published.
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then
  redis.call('DEL', KEYS[5], KEYS[6], KEYS[7])
  return 0
end
for i = 2, 4 do
  redis.call('RENAME', KEYS[i + 3], KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return 1
