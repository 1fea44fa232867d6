-- Records a read of the reader and answers the reader's state. A reader found inactive starts over: its generation
-- is bumped and its sources reset. The home cache lives as long as the reader stays active (its `:lo` expires
-- first, so the pair never half-exists). The three expiries are renewed at most every `refresh` seconds, not on
-- every read: they were most of the script's writes, and each write also goes to the append-only file.
-- KEYS: active, generation, sources, pull-only authors, the graph's relationship version, home complete_from,
-- home ids, sources version, pull-only version.
-- ARGV: now (s), inactivity ttl (s), the state version the caller holds ('' for none), refresh (s).
-- Returns {stale, generation, sources (author, floor, ...), the sources that are pull-only authors, relationship
-- version, state version}, with false for the sources and the pull-only ones when the caller holds that state
-- version already: a reader's sources change seldom and a read needs them every time.
local renewed = redis.call('GET', KEYS[1])
local renewed_at = renewed and tonumber(renewed)
if not renewed_at or tonumber(ARGV[1]) - renewed_at >= tonumber(ARGV[4]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  if redis.call('EXPIRE', KEYS[6], ARGV[2]) == 1 then redis.call('EXPIRE', KEYS[7], ARGV[2] + 60) end
end
local stale = 0
if not renewed then
  stale = 1
  redis.call('INCR', KEYS[2])
  redis.call('DEL', KEYS[3])
end
local generation = redis.call('GET', KEYS[2]) or '0'
local relationship = redis.call('GET', KEYS[5]) or ''
local version = generation .. ':' .. (redis.call('GET', KEYS[8]) or '0') .. ':' .. (redis.call('GET', KEYS[9]) or '0')
if version == ARGV[3] then return {stale, generation, false, false, relationship, version} end
local sources = redis.call('HGETALL', KEYS[3])
local pull_only = {}
if #sources > 0 then
  local authors = {}
  for i = 1, #sources, 2 do authors[#authors + 1] = sources[i] end
  local flags = redis.call('SMISMEMBER', KEYS[4], unpack(authors))
  for i = 1, #authors do
    if flags[i] == 1 then pull_only[#pull_only + 1] = authors[i] end
  end
end
return {stale, generation, sources, pull_only, relationship, version}
