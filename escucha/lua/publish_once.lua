-- Append an event to a stream unless its key was published before: both or neither.
-- KEYS: the once-key, the stream. ARGV: the once-key's expiry in seconds, the stream's cap,
-- then field, value pairs.
if redis.call('SET', KEYS[1], 1, 'NX', 'EX', ARGV[1]) == false then
  return 0
end
local entry = {}
for i = 3, #ARGV do
  entry[#entry + 1] = ARGV[i]
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(entry))
return 1
