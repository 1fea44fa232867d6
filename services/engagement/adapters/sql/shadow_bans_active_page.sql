-- The bans in force, newest first, after the position ($1 banned_at, $2 user_id) of the last one served (NULLs:
-- from the start); $3 rows.
SELECT user_id, reason, banned_by, banned_at, lifted_at, lifted_by
FROM engagement.shadow_bans
WHERE lifted_at IS NULL AND ($1::timestamptz IS NULL OR (banned_at, user_id) < ($1, $2))
ORDER BY banned_at DESC, user_id DESC
LIMIT $3
