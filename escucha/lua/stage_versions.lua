-- Stage a batch's raw records, never letting an older version replace a newer one in flight.
-- KEYS: per record, its staged keys in pipeline order ('raw' first, which is written).
-- ARGV[1]: expiry in seconds; ARGV[2]: kinds per record; then per record its version (the
-- platform's time of it, a number) and its JSON. Every staged record carries its own
-- "version" field. A record older than what its id has staged at any stage is left out.
-- Returns the 1-based positions of the records left out.
local ttl, kinds = ARGV[1], tonumber(ARGV[2])
local older = {}
for i = 1, #KEYS / kinds do
  local version = tonumber(ARGV[1 + 2 * i])
  local newer = false
  for k = 1, kinds do
    local staged = redis.call('GET', KEYS[kinds * (i - 1) + k])
    local kept = staged and tonumber(string.match(staged, '"version":(%-?[%d%.eE%+%-]+)'))
    if kept and kept > version then
      newer = true
      break
    end
  end
  if newer then
    older[#older + 1] = i
  else
    redis.call('SET', KEYS[kinds * (i - 1) + 1], ARGV[2 + 2 * i], 'EX', ttl)
  end
end
return older
