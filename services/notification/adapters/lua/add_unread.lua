-- Counts a notification as unread unless the read marker already covers it; drops the ids older than the
-- retention and, past the cap, the oldest. Idempotent: a redelivered id is a member already.
-- KEYS[1] unread set, KEYS[2] read marker; ARGV[1] padded id, ARGV[2] padded oldest id kept, ARGV[3] cap.
local marker = redis.call('GET', KEYS[2])
if marker and ARGV[1] <= marker then
    return 0
end
redis.call('ZADD', KEYS[1], 0, ARGV[1])
redis.call('ZREMRANGEBYLEX', KEYS[1], '-', '(' .. ARGV[2])
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if extra > 0 then
    redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1)
end
return 1
