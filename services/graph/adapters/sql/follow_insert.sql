-- $1 follows $2. No row back when the follow already existed.
INSERT INTO graph.follows (follower_id, followee_id)
VALUES ($1, $2)
ON CONFLICT DO NOTHING
RETURNING seq
