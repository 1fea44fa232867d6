-- A window of a cached id stream (services.common.redis_keys.id_stream): its ids below a bound, newest first, and
-- the id from which down it is complete. A full set vouches only from its least member (sets trimmed before trims
-- raised `:lo`).
-- KEYS: complete_from (`:lo`), ids (`:z`)[, the post tombstone sorted set].
-- ARGV: max (exclusive lex bound), count, cap[, the tombstone set's sentinel, how many of the ids read to check].
-- Returns false when there is no cache, else {complete from, ids[, flags]}.
-- Given the tombstone set, also answers which of the first ids read are deleted (1 or 0 per id from ZMSCORE, the
-- sentinel's first) in the same round trip; left out when the set is not complete (no sentinel). The set holds
-- ids in plain decimal. Only the ids a page may show are checked (the rest of the window is read ahead for the
-- next page): each id checked costs Redis time. Leading zeros are skipped byte by byte: string.gsub is slower.
local complete_from = redis.call('GET', KEYS[1])
if not complete_from then return false end
-- A `:lo` without its set (Redis evicted the set: both have a TTL) vouches for nothing: no cache, rebuilt.
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1])
  return false
end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then
  local least = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if least > complete_from then complete_from = least end
end
local ids = redis.call('ZREVRANGEBYLEX', KEYS[2], ARGV[1], '-', 'LIMIT', 0, tonumber(ARGV[2]))
if #KEYS < 3 then return {complete_from, ids} end
local asked = {ARGV[4]}
for i = 1, math.min(#ids, tonumber(ARGV[5])) do
  local id, first_digit = ids[i], 1
  while string.byte(id, first_digit) == 48 do first_digit = first_digit + 1 end
  asked[i + 1] = string.sub(id, first_digit)
end
local scores = redis.call('ZMSCORE', KEYS[3], unpack(asked))
if not scores[1] then return {complete_from, ids} end
local flags = {}
for i = 1, #scores do flags[i] = scores[i] and 1 or 0 end
return {complete_from, ids, flags}
