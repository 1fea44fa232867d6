-- $1 a handle prefix (lower case), $2 the first string after every handle with that prefix (its last character
-- plus one), $3 the handle to list after ('' for the first page), $4 the limit. The byte-wise operators ~>=~ ~<~
-- ~>~ are the ones the index on (handle text_pattern_ops) serves, whatever the database's collation; a LIKE with a
-- parameter could not use it, and '_', a handle character, is a LIKE wildcard.
SELECT id, handle, display_name, private, created_at
FROM auth.users
WHERE handle ~>=~ $1 AND handle ~<~ $2 AND handle ~>~ $3
ORDER BY handle USING ~<~
LIMIT $4
