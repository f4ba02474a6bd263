-- Helpers shared by the scripts; prepended to each one when it is loaded.
local unpack = unpack or table.unpack

-- Appends one audit record (the 6 values action, thread, user, actor, reason, time starting at
-- args[i]) to `stream` under the space's next case number, and returns that number.
local function audit(stream, seq, maxlen, args, i)
  local case = redis.call('INCR', seq)
  redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*',
    'case', case, 'action', args[i], 'thread', args[i + 1], 'user', args[i + 2],
    'actor', args[i + 3], 'reason', args[i + 4], 'time', args[i + 5])
  return case
end
