-- Counts notifications as unread unless the read marker already covers them; drops the ids older than the
-- retention and, past the cap, the oldest. Idempotent: a redelivered id is a member already.
-- KEYS[1] unread set, KEYS[2] read marker; ARGV[1] padded oldest id kept, ARGV[2] cap, ARGV[3..] padded ids.
local marker = redis.call('GET', KEYS[2])
local added = 0
for i = 3, #ARGV do
    if not marker or ARGV[i] > marker then
        added = added + redis.call('ZADD', KEYS[1], 0, ARGV[i])
    end
end
redis.call('ZREMRANGEBYLEX', KEYS[1], '-', '(' .. ARGV[1])
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
if extra > 0 then
    redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1)
end
return added
