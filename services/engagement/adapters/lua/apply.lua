-- Applies one counted row appearing or disappearing to its post's cached set, as membership (repeating it is
-- harmless), and replaces the post's change token (so a rebuild that read the old one does not publish). A change
-- with an order (a like's: numbered in commit order among its row's changes) is applied only if no later change of
-- its row was: the order of the last one applied is kept per member, whether the post is cached or not.
-- KEYS: gen, the kind's set, the likes, comments and shares sets, the post's change orders.
-- ARGV: sentinel, member, 1 to add or 0 to remove, new token, ttl seconds, the change's order ('' for none), the
-- member's field in the orders (kind:member), the orders' ttl seconds.
-- Returns the kind's count after the change, or -1 when the post is not cached.
if ARGV[6] ~= '' then
  local last = redis.call('HGET', KEYS[6], ARGV[7])
  if last and tonumber(last) >= tonumber(ARGV[6]) then
    -- a later change of this row is applied already: this one changes nothing
    if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then
      return -1
    end
    return redis.call('SCARD', KEYS[2]) - 1
  end
  redis.call('HSET', KEYS[6], ARGV[7], ARGV[6])
  redis.call('EXPIRE', KEYS[6], ARGV[8])
end
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
