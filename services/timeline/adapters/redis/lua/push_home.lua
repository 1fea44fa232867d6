-- The fanout push: some posts (ids ascending) into the home timelines of some readers, each reader's ids in one
-- ZADD, so a burst of one author's posts costs one write per reader, not one per post. A set grows to its cap plus
-- an eighth before it is trimmed back to its cap with `:lo` raised to what it still holds: one trim serves many
-- pushes (a trim per push doubled the script's cost). Ids below a reader's `:lo` are left out, so the set stays
-- complete from it. The keys are built here from the prefix and the reader ids, as
-- services.common.redis_keys.home_timeline names them (one argument per reader, not four keys): all of them on one
-- Redis, or called per slot on a cluster.
-- ARGV: cap, fill buffer ttl ms, prefix, post count, the post ids..., readers...
-- Returns one character per reader: '1' written (or buffered), '2' active with no cache to write into (its
-- reads find the posts in Cassandra once the durable fanout wrote them there), '0' inactive (no cache, no activity
-- mark: services.common.redis_keys.reader_active, built here too).
local cap = tonumber(ARGV[1])
local prefix = ARGV[3]
local post_count = tonumber(ARGV[4])
local least_post = ARGV[5]
local limit = cap + math.floor(cap / 8)
local every_post = {}
for j = 1, post_count do every_post[2 * j - 1] = 0; every_post[2 * j] = ARGV[4 + j] end
local flags = {}
for i = 5 + post_count, #ARGV do
  local home = prefix .. ':{h:' .. ARGV[i] .. '}'
  local complete_from = redis.call('GET', home .. ':lo')
  if complete_from and redis.call('EXISTS', home .. ':z') == 0 then  -- the set was evicted: no cache
    redis.call('DEL', home .. ':lo')
    complete_from = false
  end
  if complete_from then
    flags[#flags + 1] = '1'
    local ids_key = home .. ':z'
    local members = every_post
    if least_post < complete_from then
      members = {}
      for j = 1, post_count do
        if ARGV[4 + j] >= complete_from then members[#members + 1] = 0; members[#members + 1] = ARGV[4 + j] end
      end
    end
    if #members > 0 and redis.call('ZADD', ids_key, unpack(members)) > 0 and redis.call('ZCARD', ids_key) > limit then
      redis.call('ZREMRANGEBYRANK', ids_key, 0, -cap - 1)
      redis.call('SET', home .. ':lo', redis.call('ZRANGE', ids_key, 0, 0)[1], 'KEEPTTL')
    end
  elseif redis.call('EXISTS', prefix .. ':{u:' .. ARGV[i] .. '}:active') == 0 then
    flags[#flags + 1] = '0'  -- (a build follows a read, which marks the reader active)
  elseif redis.call('EXISTS', home .. ':fill') == 1 then
    flags[#flags + 1] = '1'
    redis.call('ZADD', home .. ':buf', unpack(every_post))
    redis.call('PEXPIRE', home .. ':buf', ARGV[2])
  else
    flags[#flags + 1] = '2'
  end
end
return table.concat(flags)
