-- Bans $1 (reason $2, by $3) unless a ban is in force; no row returned when one is.
INSERT INTO engagement.shadow_bans AS b (user_id, reason, banned_by)
VALUES ($1, $2, $3)
ON CONFLICT (user_id) DO UPDATE
    SET reason = EXCLUDED.reason, banned_by = EXCLUDED.banned_by, banned_at = now(), lifted_at = NULL, lifted_by = ''
    WHERE b.lifted_at IS NOT NULL
RETURNING user_id, reason, banned_by, banned_at, lifted_at, lifted_by
