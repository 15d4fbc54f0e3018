-- Assign each mention of a batch to the cluster of its nearest earlier print, atomically.
-- KEYS: four band keys per mention. ARGV: ttl, max distance, bucket cap, representatives,
-- then per mention: id, high 32 bits, low 32 bits of its SimHash. Returns one cluster id per
-- mention.
-- A print seen before (a retweet, a redelivery) is found in its first band and needs no
-- write: each print is stored once per band, with one cluster, so an exact match is the
-- answer. Only new prints are written, and they renew their bands' expiry.
-- Buckets are bounded, so a lookup is too: a print that starts a cluster is written into
-- buckets holding fewer than `cap` prints; one that joined a cluster, only into buckets
-- holding fewer than `representatives` (its cluster is already findable there, or nearby).
local ttl, max_distance = tonumber(ARGV[1]), tonumber(ARGV[2])
local cap, representatives = tonumber(ARGV[3]), tonumber(ARGV[4])
local FIRST = 5

-- Bits that differ between two prints, counted only up to `limit` + 1: most entries in a band
-- are unrelated texts some 32 bits away, and a full count would loop over every one of them.
local function ones(x, count, limit)
  while x ~= 0 and count <= limit do
    x = bit.band(x, x - 1)
    count = count + 1
  end
  return count
end

local function distance(high, low, other_high, other_low, limit)
  return ones(bit.bxor(low, other_low), ones(bit.bxor(high, other_high), 0, limit), limit)
end

local clusters = {}
for i = 1, (#ARGV - FIRST + 1) / 3 do
  local at = FIRST + 3 * (i - 1)
  local id = ARGV[at]
  local high, low = tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
  local field = ARGV[at + 1] .. ':' .. ARGV[at + 2]
  local first_band = KEYS[4 * (i - 1) + 1]
  local known = redis.call('HGET', first_band, field)
  if known then
    clusters[i] = known
  else
    local best, best_distance = nil, max_distance + 1
    for band = 1, 4 do
      local entries = redis.call('HGETALL', KEYS[4 * (i - 1) + band])
      for j = 1, #entries, 2 do
        local colon = string.find(entries[j], ':', 1, true)
        local other_high = tonumber(string.sub(entries[j], 1, colon - 1))
        local other_low = tonumber(string.sub(entries[j], colon + 1))
        local d = distance(high, low, other_high, other_low, best_distance)
        local cluster = entries[j + 1]
        if d < best_distance or (best ~= nil and d == best_distance and cluster < best) then
          best, best_distance = cluster, d
        end
      end
    end
    local cluster = best or id
    local room = best and representatives or cap
    for band = 1, 4 do
      local key = KEYS[4 * (i - 1) + band]
      if redis.call('HLEN', key) < room then
        redis.call('HSETNX', key, field, cluster)
      end
      redis.call('EXPIRE', key, ttl)
    end
    clusters[i] = cluster
  end
end
return clusters
