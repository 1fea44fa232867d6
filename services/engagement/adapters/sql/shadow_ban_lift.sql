-- Lifts the ban in force on $1 (by $2); no row returned when there is none.
UPDATE engagement.shadow_bans
SET lifted_at = now(), lifted_by = $2
WHERE user_id = $1 AND lifted_at IS NULL
RETURNING user_id, reason, banned_by, banned_at, lifted_at, lifted_by
