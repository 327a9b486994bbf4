package redisrate

import "github.com/redis/go-redis/v9"

// The budget lives in one Redis key, its theoretical arrival time (TAT,
// seconds since 2017 on Redis's clock, as GCRA, the generic cell rate
// algorithm, keeps it); a pause, in a second key whose TTL is what is left
// of it. Both scripts read the time from Redis, so the replicas' clocks do
// not matter, and each is one round trip. They need Redis 5 or later (a
// write after TIME).

// reserve takes the budget's next free slot and returns how long the
// caller waits for it, so waiters queue in Redis instead of polling it.
// KEYS[1] is the TAT. ARGV: the emission interval and the burst's
// tolerance (Burst intervals), in seconds; the longest wait the caller
// accepts (negative: any). It returns {1, wait in µs} with the slot taken,
// or {0, wait in µs} without, when the wait is longer than the caller
// accepts.
var reserve = redis.NewScript(`
local t = redis.call("TIME")
local now = (tonumber(t[1]) - 1483228800) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = math.max(tonumber(redis.call("GET", KEYS[1]) or "0"), now) + interval
local wait = math.max(tat - tolerance - now, 0)
if max_wait >= 0 and wait > max_wait then
  return {0, math.floor(wait * 1000000)}
end
redis.call("SET", KEYS[1], string.format("%.6f", tat), "PX", math.ceil((tat - now) * 1000) + 1000)
return {1, math.floor(wait * 1000000)}
`)

// throttle pauses the fleet after a 429: the pause key's TTL is extended
// to the pause (never shortened), and the TAT is moved past it, so that
// the budget restarts empty when the pause ends, paced, with no burst,
// whether or not the pause key is still there when the next reservation
// comes. KEYS[1] is the TAT, KEYS[2] the pause. ARGV: the pause in
// milliseconds; the emission interval and the burst's tolerance in
// seconds. It returns 1 when it extended the pause.
var throttle = redis.NewScript(`
local t = redis.call("TIME")
local now = (tonumber(t[1]) - 1483228800) + tonumber(t[2]) / 1000000
local pause_ms = tonumber(ARGV[1])
local extended = 0
if redis.call("PTTL", KEYS[2]) < pause_ms then
  redis.call("SET", KEYS[2], "1", "PX", pause_ms)
  extended = 1
end
local floor = now + pause_ms / 1000 + tonumber(ARGV[3]) - tonumber(ARGV[2])
if tonumber(redis.call("GET", KEYS[1]) or "0") < floor then
  redis.call("SET", KEYS[1], string.format("%.6f", floor), "PX", math.ceil((floor - now) * 1000) + 1000)
end
return extended
`)
