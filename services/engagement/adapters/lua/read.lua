-- A post's change token, cached counts and whether the viewer likes it, read together.
-- KEYS: gen, the likes, comments and shares sets. ARGV: sentinel, viewer (the sentinel for none).
-- Returns {token or '', likes, comments, shares, liked (0/1)}; the counts are -1 when the post is not cached
-- (a set without its sentinel is incomplete).
local token = redis.call('GET', KEYS[1]) or ''
for i = 2, 4 do
  if redis.call('SISMEMBER', KEYS[i], ARGV[1]) == 0 then
    return {token, -1, -1, -1, 0}
  end
end
local liked = 0
if ARGV[2] ~= ARGV[1] then
  liked = redis.call('SISMEMBER', KEYS[2], ARGV[2])
end
return {token, redis.call('SCARD', KEYS[2]) - 1, redis.call('SCARD', KEYS[3]) - 1, redis.call('SCARD', KEYS[4]) - 1, liked}
