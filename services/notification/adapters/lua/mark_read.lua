-- Moves the read marker up to ARGV[1] (never down) and forgets the unread ids it covers.
-- KEYS[1] unread set, KEYS[2] read marker; ARGV[1] padded id.
local marker = redis.call('GET', KEYS[2])
if not marker or ARGV[1] > marker then
    redis.call('SET', KEYS[2], ARGV[1])
end
redis.call('ZREMRANGEBYLEX', KEYS[1], '-', '[' .. ARGV[1])
return 1
