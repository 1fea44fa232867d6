-- Applies one counted row appearing or disappearing to its post's cached set, as membership (repeating it is
-- harmless), and replaces the post's change token (so a rebuild that read the old one does not publish).
-- KEYS: gen, the kind's set, the likes, comments and shares sets.
-- ARGV: sentinel, member, 1 to add or 0 to remove, new token, ttl seconds.
-- Returns the kind's count after the change, or -1 when the post is not cached.
redis.call('SET', KEYS[1], ARGV[4], 'EX', ARGV[5])
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then
  return -1
end
if ARGV[3] == '1' then
  redis.call('SADD', KEYS[2], ARGV[2])
else
  redis.call('SREM', KEYS[2], ARGV[2])
end
for i = 3, 5 do
  redis.call('EXPIRE', KEYS[i], ARGV[5])
end
return redis.call('SCARD', KEYS[2]) - 1
