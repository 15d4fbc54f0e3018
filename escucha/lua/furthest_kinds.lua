-- The furthest kind of record each mention has staged: one call for a whole sweep.
-- KEYS: per mention, its staged keys in pipeline order (one per kind). ARGV: kinds per
-- mention. Returns, per mention, the index (1-based) of its furthest staged kind, or 0.
-- Atomic, so a record moving forward mid-check is seen in one place or the other, never
-- in neither.
local kinds = tonumber(ARGV[1])
local found = {}
for i = 1, #KEYS / kinds do
  local furthest = 0
  for k = kinds, 1, -1 do
    if redis.call('EXISTS', KEYS[kinds * (i - 1) + k]) == 1 then
      furthest = k
      break
    end
  end
  found[i] = furthest
end
return found
