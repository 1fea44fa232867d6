-- Adds post ids to the tombstone set only if the set is complete (its sentinel is there): adding to a missing set
-- would make it look complete. A tombstone is scored by the time it was marked; marking again keeps the later time
-- (GT), so a repeated mark only ever keeps it longer.
-- KEYS: the sorted set. ARGV: the sentinel, the time (seconds since the epoch), then the ids.
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
for i = 3, #ARGV do redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[i]) end
return 1
