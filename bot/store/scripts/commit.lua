-- Apply one message's changes if the thread is still at the expected version, in one round trip.
-- KEYS: state, log, seen, ended, outbox, audit, audit seq, stats.
-- ARGV: 1 expected version, 2 dedupe ttl (s), 3 thread ttl (s), 4 ended ttl (s, 0 = not ended),
--       5 ended reason, 6 log cap, 7 outbox maxlen, 8 audit maxlen, 9 the handler's token,
--       10..14 counts: state items, log entries, outbox entries, audit records, stats items,
--       then the sections in that order (outbox items: type, body; audit records: 6 values).
-- Returns 1 applied (now, or already by this same handler: a resend after a dropped connection),
-- 0 version moved, -1 message already applied by another handler, -2 thread ended.
local done = 'done:' .. ARGV[9]
local seen = redis.call('GET', KEYS[3])
if seen == done then
  return 1
end
if seen and string.sub(seen, 1, 5) == 'done:' then
  return -1
end
local expected = tonumber(ARGV[1])
if tonumber(redis.call('HGET', KEYS[1], 'v') or '0') ~= expected then
  return 0
end
if redis.call('EXISTS', KEYS[4]) == 1 then
  return -2
end

local i = 15
local n = tonumber(ARGV[10])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', expected + 1, unpack(ARGV, i, i + n - 1))
redis.call('EXPIRE', KEYS[1], ARGV[3])
i = i + n

n = tonumber(ARGV[11])
if n > 0 then
  redis.call('RPUSH', KEYS[2], unpack(ARGV, i, i + n - 1))
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[6]), -1)
  i = i + n
end
redis.call('EXPIRE', KEYS[2], ARGV[3])

redis.call('SET', KEYS[3], done, 'EX', ARGV[2])
if ARGV[4] ~= '0' then
  redis.call('SET', KEYS[4], ARGV[5], 'EX', ARGV[4])
end

n = tonumber(ARGV[12])
for j = i, i + 2 * n - 1, 2 do
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[7], '*', 't', ARGV[j], 'r', ARGV[j + 1])
end
i = i + 2 * n

n = tonumber(ARGV[13])
for j = i, i + 6 * n - 1, 6 do
  audit(KEYS[6], KEYS[7], ARGV[8], ARGV, j)
end
i = i + 6 * n

n = tonumber(ARGV[14])
for j = i, i + n - 1, 2 do
  redis.call('HINCRBY', KEYS[8], ARGV[j], ARGV[j + 1])
end
return 1
