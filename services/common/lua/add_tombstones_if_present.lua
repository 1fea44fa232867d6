-- Adds post ids to the tombstone set only if the set is complete (its sentinel is there): adding to a missing set
-- would make it look complete. KEYS: the set. ARGV: the sentinel, then the ids.
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end
for i = 2, #ARGV do redis.call('SADD', KEYS[1], ARGV[i]) end
return 1
