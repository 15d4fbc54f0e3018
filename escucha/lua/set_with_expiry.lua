-- Write one value per key, each with the same expiry: a batch's staged records in one command.
-- KEYS: the keys. ARGV: the expiry in seconds, then one value per key, in order.
local ttl = ARGV[1]
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[i + 1], 'EX', ttl)
end
return #KEYS
