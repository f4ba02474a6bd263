-- A moderator reopens a thread: new state if the version did not move, ended marker gone, audited.
-- KEYS: state, ended, audit, audit seq.
-- ARGV: 1 expected version, 2 thread ttl (s), 3 audit maxlen, 4 state items, state..., audit (6).
-- Returns the audit case number, or 0 when the version moved.
local expected = tonumber(ARGV[1])
if tonumber(redis.call('HGET', KEYS[1], 'v') or '0') ~= expected then
  return 0
end
local n = tonumber(ARGV[4])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', expected + 1, unpack(ARGV, 5, 4 + n))
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('DEL', KEYS[2])
return audit(KEYS[3], KEYS[4], ARGV[3], ARGV, 5 + n)
