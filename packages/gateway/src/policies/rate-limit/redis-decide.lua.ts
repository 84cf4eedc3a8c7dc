/**
 * Decisions in Redis, in order and each atomically (a script runs alone). One call carries every
 * decision queued during one event-loop turn, so concurrent requests share one round trip.
 *
 * KEYS: the counter hashes of every decision, in order ({s: window start, c: count in it, p: count of
 * the window before}). ARGV: number of decisions, then per decision: cost, now, number of keys, and per
 * key: limit, window start, window end, sliding (1/0). Window bounds come from the gateway so calendar
 * math lives in one place. Mirrors local-counters.ts: a refused request writes nothing.
 * Returns, per decision: index of the limit that refused (0: admitted), ms to wait, remaining per key.
 */
export const redisDecideScript = `
local out = {}
local decisions = tonumber(ARGV[1])
local a, k = 2, 1
for _ = 1, decisions do
  local cost, now, n = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  local counts, previous, useds, limits, starts, stops = {}, {}, {}, {}, {}, {}
  local refused, wait = 0, 0
  for i = 1, n do
    local limit, start, stop = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
    local sliding = ARGV[a + 3] == '1'
    a = a + 4
    local len = stop - start
    local h = redis.call('HMGET', KEYS[k + i - 1], 's', 'c', 'p')
    local s, c, p = tonumber(h[1]), tonumber(h[2]) or 0, tonumber(h[3]) or 0
    if s ~= start then
      if sliding and s ~= nil and start - s == len then p = c else p = 0 end
      c = 0
    end
    local used = c
    if sliding and p > 0 then used = p * (1 - (now - start) / len) + c end
    counts[i], previous[i], useds[i], limits[i], starts[i], stops[i] = c, p, used, limit, start, stop
    if used + cost > limit then
      local w
      if not sliding then
        w = stop - now
      else
        local room = limit - cost
        if c <= room and p > 0 then
          w = start + len * (1 - (room - c) / p) - now
        else
          w = stop + len * (1 - room / math.max(c, 1)) - now
        end
        if w < 1 then w = 1 end
      end
      if refused == 0 or w > wait then refused, wait = i, w end
    end
  end
  out[#out + 1] = refused
  out[#out + 1] = math.ceil(wait)
  for i = 1, n do
    local remaining = limits[i] - useds[i]
    if refused == 0 then
      redis.call('HSET', KEYS[k + i - 1], 's', starts[i], 'c', counts[i] + cost, 'p', previous[i])
      -- Kept through the next window too: a sliding window still weighs it there.
      redis.call('PEXPIREAT', KEYS[k + i - 1], stops[i] + (stops[i] - starts[i]))
      remaining = remaining - cost
    end
    if remaining < 0 then remaining = 0 end
    out[#out + 1] = math.floor(remaining)
  end
  k = k + n
end
return out
`;

/**
 * Gives back `cost` on counters that a decision counted and then abandoned (another slot refused it):
 * KEYS are counter hashes of one slot, ARGV the cost then each key's window start. A window that has
 * turned since is left alone.
 */
export const redisReleaseScript = `
local cost = tonumber(ARGV[1])
for i = 1, #KEYS do
  local h = redis.call('HMGET', KEYS[i], 's', 'c')
  if h[1] == ARGV[i + 1] then
    local c = (tonumber(h[2]) or 0) - cost
    if c < 0 then c = 0 end
    redis.call('HSET', KEYS[i], 'c', c)
  end
end
return 1
`;
