-- Acknowledge delivered outbox entries and delete them: the stream only holds undelivered work.
-- KEYS: outbox.   ARGV: group, ids...   Returns the number acknowledged.
local acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
return acked
