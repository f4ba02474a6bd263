-- Seed a new thread's transcript (a branch), only if that thread has no history yet.
-- KEYS: state, log.   ARGV: 1 thread ttl (s), 2.. transcript entries, oldest first.
-- Returns 1 when seeded, 0 when the thread already existed.
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then
  return 0
end
if #ARGV > 1 then
  redis.call('RPUSH', KEYS[2], unpack(ARGV, 2))
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
return 1
