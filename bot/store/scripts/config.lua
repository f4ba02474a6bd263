-- Change a space's admin overrides and audit the change atomically.
-- KEYS: cfg, audit, audit seq.
-- ARGV: 1 'set' or 'reset', 2 audit maxlen, 3 key, 4 value, 5.. audit record (6 values).
-- Returns the audit case number.
if ARGV[1] == 'set' then
  redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
else
  redis.call('DEL', KEYS[1])
end
return audit(KEYS[2], KEYS[3], ARGV[2], ARGV, 5)
