-- $1 puts $2 on its close-friends list. No row back when $2 was already there.
INSERT INTO graph.close_friends (owner_id, friend_id)
VALUES ($1, $2)
ON CONFLICT DO NOTHING
RETURNING owner_id
