-- Admits one engagement attempt: checks the user's budget windows and, if every one has room, counts the attempt in
-- all of them; then looks for burst signals. Atomic, so concurrent attempts of one user can never overspend.
--
-- KEYS[1]            the user's harder-limit marker (present while the burst guard limits them harder)
-- KEYS[2 .. n+1]     the budget windows' counters, the minute first
-- KEYS[n+2]          the like/unlike alternations on the post (only when ARGV[4] > 0)
-- ARGV[1]  n, the number of windows
-- ARGV[2]  1 when the burst guard is on, else 0
-- ARGV[3]  how long a signal limits harder, seconds
-- ARGV[4]  alternations that signal a like loop; 0: not checked
-- ARGV[5]  the alternations' window, seconds
-- ARGV[6]  attempts in the first window that signal a new account's velocity; 0: not checked
-- ARGV[7]  the action (like / unlike / comment / share)
-- ARGV[8 ..] per window: limit, harder limit, ttl seconds
-- Returns {admitted 0|1, exhausted window 1..n or 0, harder-limit ms left or 0, signal 0|1 like loop|2 velocity}.

local n = tonumber(ARGV[1])
local guard = ARGV[2] == '1'

local harder_ms = 0
if guard then
  harder_ms = math.max(redis.call('PTTL', KEYS[1]), 0)
end
local limit_offset = 1
if harder_ms > 0 then limit_offset = 2 end

for i = 1, n do
  local limit = tonumber(ARGV[8 + (i - 1) * 3 + limit_offset - 1])
  local used = tonumber(redis.call('GET', KEYS[1 + i]) or '0')
  if used >= limit then
    return {0, i, harder_ms, 0}
  end
end

local first_count = 0
for i = 1, n do
  local count = redis.call('INCR', KEYS[1 + i])
  if count == 1 then
    redis.call('EXPIRE', KEYS[1 + i], ARGV[8 + (i - 1) * 3 + 2])
  end
  if i == 1 then first_count = count end
end

if not guard then
  return {1, 0, 0, 0}
end

local signal = 0
local flip_threshold = tonumber(ARGV[4])
if flip_threshold > 0 then
  local flips = KEYS[n + 2]
  local last = redis.call('HGET', flips, 'last')
  if not last then
    redis.call('HSET', flips, 'last', ARGV[7], 'count', 0)
    redis.call('EXPIRE', flips, ARGV[5])
  elseif last ~= ARGV[7] then
    redis.call('HSET', flips, 'last', ARGV[7])
    if redis.call('HINCRBY', flips, 'count', 1) >= flip_threshold then
      signal = 1
    end
  end
end

local velocity_threshold = tonumber(ARGV[6])
if signal == 0 and velocity_threshold > 0 and n > 0 and first_count >= velocity_threshold then
  signal = 2
end

if signal > 0 then
  harder_ms = tonumber(ARGV[3]) * 1000
  redis.call('SET', KEYS[1], signal, 'PX', harder_ms)
end
return {1, 0, harder_ms, signal}
