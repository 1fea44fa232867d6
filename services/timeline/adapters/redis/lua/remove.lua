-- Removes ids from a cached stream and its fill buffer. Removing ids can take a full set below its cap, where
-- read.lua would trust `:lo` again: first raise `:lo` to what the full set vouches for. An emptied set takes its
-- `:lo` with it (rebuilt on the next read).
-- KEYS: complete_from, ids, fill_buffer. ARGV: cap, members...
local complete_from = redis.call('GET', KEYS[1])
if complete_from and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[1]) then
  local least = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if least > complete_from then redis.call('SET', KEYS[1], least) end
end
for i = 2, #ARGV do
  redis.call('ZREM', KEYS[2], ARGV[i])
  redis.call('ZREM', KEYS[3], ARGV[i])
end
if complete_from and redis.call('EXISTS', KEYS[2]) == 0 then redis.call('DEL', KEYS[1]) end
return 1
