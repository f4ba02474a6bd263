-- Hand a consumer the outbox entries it should deliver, in one round trip: first entries another
-- consumer left unacknowledged for too long (it probably crashed), then new ones.
-- KEYS: outbox.   ARGV: group, consumer, min idle (ms), count.
-- Returns {{id, deliveries, {field, value, ...}}, ...}.
local out = {}
local count = tonumber(ARGV[4])
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], '0-0', 'COUNT', count)
for _, entry in ipairs(claimed[2]) do
  if entry[2] then
    local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
    local deliveries = 2
    if pending[1] then
      deliveries = pending[1][4]
    end
    out[#out + 1] = {entry[1], deliveries, entry[2]}
  end
end
local left = count - #out
if left > 0 then
  local read = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', left, 'STREAMS', KEYS[1], '>')
  if read and read[1] then
    -- Redis answers {{stream, entries}}; fakeredis (the embedded store) answers {stream, entries}.
    local stream = read
    if type(read[1]) ~= 'string' then
      stream = read[1]
    end
    for _, entry in ipairs(stream[2]) do
      out[#out + 1] = {entry[1], 1, entry[2]}
    end
  end
end
return out
