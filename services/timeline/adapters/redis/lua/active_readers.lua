-- Which readers are active. KEYS: the readers' active keys.
-- Returns one character per reader: '1' active, '0' not.
local flags = {}
for i = 1, #KEYS do flags[i] = tostring(redis.call('EXISTS', KEYS[i])) end
return table.concat(flags)
