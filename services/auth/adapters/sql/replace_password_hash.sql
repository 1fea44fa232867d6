-- $1 id, $2 the hash the login verified, $3 the new hash: a concurrent password change wins
UPDATE auth.users
SET password_hash = $3
WHERE id = $1 AND password_hash = $2
