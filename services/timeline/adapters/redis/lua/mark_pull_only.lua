-- Marks an author as pulled, not pushed. KEYS: the pull-only authors, their version. ARGV: author.
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then redis.call('INCR', KEYS[2]) end
return 1
