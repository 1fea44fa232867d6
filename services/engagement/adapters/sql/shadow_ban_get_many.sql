SELECT user_id, reason, banned_by, banned_at, lifted_at, lifted_by
FROM engagement.shadow_bans
WHERE user_id = ANY($1::bigint[])
