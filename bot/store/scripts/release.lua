-- Drop a message's reservation, but only if it is still ours.
-- KEYS: seen.   ARGV: token.   Returns 1 released, 0 not ours (or gone).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
