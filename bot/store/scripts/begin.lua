-- Reserve a message for a handler and load its thread, in one round trip.
-- KEYS: state, log, seen, ended, cfg.   ARGV: token, reservation ttl (ms).
-- Returns {duplicate, ended, ended reason, state fields, log entries, overrides}.
local seen = redis.call('GET', KEYS[3])
local duplicate = 0
if seen and seen ~= ARGV[1] then
  duplicate = 1
end
local reason = redis.call('GET', KEYS[4])
local ended = 1
if not reason then
  ended = 0
  reason = ''
  if duplicate == 0 then
    redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
  end
end
return {duplicate, ended, reason, redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1),
  redis.call('HGETALL', KEYS[5])}
