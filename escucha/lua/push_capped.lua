-- Append letters to a dead-letter list and trim it to its cap, oldest first, atomically.
-- KEYS[1]: the list. ARGV[1]: the cap; ARGV[2..]: letters. Returns the letters trimmed, so
-- the caller can keep them elsewhere (a file) or count them as dropped.
for i = 2, #ARGV do
  redis.call('RPUSH', KEYS[1], ARGV[i])
end
local excess = redis.call('LLEN', KEYS[1]) - tonumber(ARGV[1])
if excess <= 0 then
  return {}
end
local trimmed = redis.call('LRANGE', KEYS[1], 0, excess - 1)
redis.call('LTRIM', KEYS[1], excess, -1)
return trimmed
