package redisrate

import "github.com/redis/go-redis/v9"

// reserve is GCRA (the generic cell rate algorithm) as a reservation, with
// the fleet's pause folded in: one round trip per permit, on Redis's
// clock. It takes the next free slot of the budget and returns how long
// the caller waits for it, so waiters queue in Redis instead of polling it.
//
// KEYS[1] holds the theoretical arrival time (TAT) of the budget, KEYS[2]
// the fleet's pause (its TTL is what is left of it). ARGV: the emission
// interval and the burst's tolerance, in seconds; the longest wait the
// caller accepts (negative: any). It returns {1, wait in µs} with the slot
// taken, or {0, wait in µs} without, when the wait is longer than the
// caller accepts. During a pause the budget restarts empty at its end:
// paced from then on, with no burst on top.
var reserve = redis.NewScript(`
local t = redis.call("TIME")
local now = (tonumber(t[1]) - 1483228800) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local base = math.max(tonumber(redis.call("GET", KEYS[1]) or "0"), now)
local pause = redis.call("PTTL", KEYS[2])
if pause > 0 then
  base = math.max(base, now + pause / 1000 + tolerance - interval)
end
local tat = base + interval
local wait = math.max(tat - tolerance - now, 0)
if max_wait >= 0 and wait > max_wait then
  return {0, math.floor(wait * 1000000)}
end
redis.call("SET", KEYS[1], string.format("%.6f", tat), "PX", math.ceil((tat - now) * 1000) + 1000)
return {1, math.floor(wait * 1000000)}
`)
