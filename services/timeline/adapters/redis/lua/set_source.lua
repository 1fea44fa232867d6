-- Records an author as materialized in the reader's home timeline from `floor` up, unless the reader's sources
-- were reset since the caller read the generation. KEYS: generation, sources, sources version.
-- ARGV: generation, author, floor.
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('INCR', KEYS[3])
return 1
