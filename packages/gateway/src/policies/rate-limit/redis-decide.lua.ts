/**
 * One decision in Redis, atomically (a script runs alone). KEYS are counter hashes {s: window start,
 * c: count in it, p: count of the window before}. ARGV: cost, now, then per key: limit, window start,
 * window end, sliding (1/0). Window bounds come from the gateway so calendar math lives in one place.
 * Mirrors local-counters.ts: a refused request writes nothing. Returns {index of the limit that refused
 * (0: admitted), ms to wait, remaining per key...}.
 */
export const redisDecideScript = `
local cost = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local n = #KEYS
local counts, previous, useds = {}, {}, {}
local refused, wait = 0, 0
for i = 1, n do
  local at = 2 + (i - 1) * 4
  local limit, start, stop = tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
  local sliding = ARGV[at + 4] == '1'
  local len = stop - start
  local h = redis.call('HMGET', KEYS[i], 's', 'c', 'p')
  local s, c, p = tonumber(h[1]), tonumber(h[2]) or 0, tonumber(h[3]) or 0
  if s ~= start then
    if sliding and s ~= nil and start - s == len then p = c else p = 0 end
    c = 0
  end
  local used = c
  if sliding and p > 0 then used = p * (1 - (now - start) / len) + c end
  counts[i], previous[i], useds[i] = c, p, used
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
local out = { refused, math.ceil(wait) }
for i = 1, n do
  local at = 2 + (i - 1) * 4
  local limit, start, stop = tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
  local remaining = limit - useds[i]
  if refused == 0 then
    redis.call('HSET', KEYS[i], 's', start, 'c', counts[i] + cost, 'p', previous[i])
    -- Kept through the next window too: a sliding window still weighs it there.
    redis.call('PEXPIREAT', KEYS[i], stop + (stop - start))
    remaining = remaining - cost
  end
  if remaining < 0 then remaining = 0 end
  out[#out + 1] = math.floor(remaining)
end
return out
`;
