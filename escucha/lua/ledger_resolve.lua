-- Take stored or dead-lettered mentions out of the ledger and off their tenant's count.
-- KEYS[1]: the ledger, KEYS[2]: counts per tenant, KEYS[3]: sweep counts (hash).
-- ARGV: mention ids. An id no longer in the ledger (resolved twice) changes nothing.
for i = 1, #ARGV do
  if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 then
    local tenant = string.match(ARGV[i], '^[^:]*')
    if redis.call('HINCRBY', KEYS[2], tenant, -1) <= 0 then
      redis.call('HDEL', KEYS[2], tenant)
    end
  end
  redis.call('HDEL', KEYS[3], ARGV[i])
end
return #ARGV
