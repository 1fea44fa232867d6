-- $1 handle (lower case)
SELECT id, password_hash
FROM auth.users
WHERE handle = $1
