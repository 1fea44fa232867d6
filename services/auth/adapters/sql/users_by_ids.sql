-- $1 ids (distinct); one query for the whole batch
SELECT id, handle, display_name, private, created_at
FROM auth.users
WHERE id = ANY($1::bigint[])
