-- Stage a batch's raw records, never letting an older version replace a newer one in flight.
-- KEYS: the staged keys. ARGV[1]: expiry in seconds; then per record: its version (the
-- platform's time of it, a number) and its JSON. A record already staged carries its own
-- "version" field. Returns the 1-based positions of the records left out as older.
local ttl = ARGV[1]
local older = {}
for i, key in ipairs(KEYS) do
  local version = tonumber(ARGV[2 * i])
  local staged = redis.call('GET', key)
  local kept = staged and tonumber(string.match(staged, '"version":(%-?[%d%.eE%+%-]+)'))
  if kept and kept > version then
    older[#older + 1] = i
  else
    redis.call('SET', key, ARGV[2 * i + 1], 'EX', ttl)
  end
end
return older
