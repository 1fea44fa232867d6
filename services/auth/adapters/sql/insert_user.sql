-- $1 id, $2 handle (lower case), $3 password_hash, $4 display_name, $5 private
INSERT INTO auth.users (id, handle, password_hash, display_name, private)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, handle, display_name, private, created_at
