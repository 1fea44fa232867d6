-- Drops a post's cached sets and replaces its token (a rebuild in progress then does not publish).
-- KEYS: gen, the likes, comments and shares sets. ARGV: new token, ttl seconds.
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
