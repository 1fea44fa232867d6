-- Each user's current relationship version, created when there is none (services/common/relationship_version.py).
-- KEYS: the users' version keys. ARGV: one fresh token per key, in the same order, then the ttl (s).
local versions = {}
local ttl = ARGV[#KEYS + 1]
for i, key in ipairs(KEYS) do
  local version = redis.call('GET', key)
  if not version then
    version = ARGV[i]
    redis.call('SET', key, version, 'EX', ttl)
  end
  versions[i] = version
end
return versions
