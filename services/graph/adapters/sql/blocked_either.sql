-- Has either of users $1 and $2 blocked the other?
SELECT EXISTS (
    SELECT 1 FROM graph.blocks
    WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)
)
