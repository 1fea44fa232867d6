-- $1 blocks $2. No row back when the block already existed.
INSERT INTO graph.blocks (blocker_id, blocked_id)
VALUES ($1, $2)
ON CONFLICT DO NOTHING
RETURNING blocker_id
