-- $1 asks to follow $2. No row back when the request was already pending.
INSERT INTO graph.follow_requests (requester_id, target_id)
VALUES ($1, $2)
ON CONFLICT DO NOTHING
RETURNING seq
