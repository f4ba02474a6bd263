-- Record one member's feedback on an ending, once per member and thread, atomically.
-- KEYS: feedback marker, audit, audit seq, stats, outbox.
-- ARGV: 1 marker ttl (s), 2 audit maxlen, 3 stats counter, 4 outbox maxlen,
--       5 dispute type ('' = none), 6 dispute body, 7.. audit record (6 values).
-- Returns 0 when this member already gave feedback on this thread, else the audit case number.
if redis.call('SET', KEYS[1], ARGV[3], 'NX', 'EX', ARGV[1]) == false then
  return 0
end
redis.call('HINCRBY', KEYS[4], ARGV[3], 1)
if ARGV[5] ~= '' then
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[4], '*', 't', ARGV[5], 'r', ARGV[6])
end
return audit(KEYS[2], KEYS[3], ARGV[2], ARGV, 7)
