-- Many posts' change tokens, cached counts and whether the viewer likes each, in one script run (a page of a feed
-- shows up to hundreds of posts: one run costs Redis and the caller far less than one per post). The posts' keys
-- sit in different hash slots: this runs on a single Redis, as the relationship versions' script does.
-- KEYS: per post, in order: gen, the likes, comments and shares sets. ARGV: sentinel, viewer (the sentinel for none).
-- Returns one {token or '', likes, comments, shares, liked (0/1)} per post, in order; the counts are -1 when the
-- post is not cached (a set without its sentinel is incomplete).
local sentinel, viewer = ARGV[1], ARGV[2]
local out = {}
for p = 0, #KEYS / 4 - 1 do
  local gen, likes, comments, shares = KEYS[p * 4 + 1], KEYS[p * 4 + 2], KEYS[p * 4 + 3], KEYS[p * 4 + 4]
  local token = redis.call('GET', gen) or ''
  if redis.call('SISMEMBER', likes, sentinel) == 0 or redis.call('SISMEMBER', comments, sentinel) == 0
      or redis.call('SISMEMBER', shares, sentinel) == 0 then
    out[p + 1] = {token, -1, -1, -1, 0}
  else
    local liked = 0
    if viewer ~= sentinel then
      liked = redis.call('SISMEMBER', likes, viewer)
    end
    out[p + 1] = {token, redis.call('SCARD', likes) - 1, redis.call('SCARD', comments) - 1,
      redis.call('SCARD', shares) - 1, liked}
  end
end
return out
