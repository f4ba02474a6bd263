-- Append one audit record under the space's next case number.
-- KEYS: audit, audit seq.   ARGV: audit maxlen, audit record (6 values).   Returns the case number.
return audit(KEYS[1], KEYS[2], ARGV[1], ARGV, 2)
