-- $1 handles (lower case, distinct); one query for the whole batch
SELECT id, handle, display_name, private, created_at
FROM auth.users
WHERE handle = ANY($1::text[])
