-- Record accepted mentions in the ledger and count each new one against its tenant.
-- KEYS[1]: the ledger (sorted set), KEYS[2]: in-flight counts per tenant (hash).
-- ARGV[1]: the time; ARGV[2..]: mention ids ('tenant:source:external'). An id already in the
-- ledger (a new version of a post in flight) only has its time renewed: counted once.
for i = 2, #ARGV do
  if redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i]) == 1 then
    redis.call('HINCRBY', KEYS[2], string.match(ARGV[i], '^[^:]*'), 1)
  end
end
return #ARGV - 1
