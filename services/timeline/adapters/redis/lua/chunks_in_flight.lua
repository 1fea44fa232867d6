-- Names the fanout chunks a listing page of an author's posts went out in, in each post's set of what is left
-- (services.common.redis_keys.chunks_left, built here from the prefix), with `+` while another page is to come. A
-- post with nothing left leaves the registry. Chunks are added 1,000 at a time: Lua unpacks fewer than 8,000
-- values at once.
-- KEYS: the in-flight registry. ARGV: prefix, period ms, author, more ('1': another page follows), post count, the
-- post ids..., chunk names...
local prefix, period, post_count = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[5])
local chunks = {}
for i = 6 + post_count, #ARGV do chunks[#chunks + 1] = ARGV[i] end
for j = 6, 5 + post_count do
  local left = prefix .. ':{p:' .. ARGV[j] .. '}:left'
  for i = 1, #chunks, 1000 do redis.call('SADD', left, unpack(chunks, i, math.min(i + 999, #chunks))) end
  if ARGV[4] == '1' then redis.call('SADD', left, '+') else redis.call('SREM', left, '+') end
  if redis.call('PEXPIRE', left, period) == 0 then redis.call('ZREM', KEYS[1], ARGV[3] .. ':' .. ARGV[j]) end
end
