-- Deletes those of the (requester $1[i], target $2[i]) requests that exist.
DELETE FROM graph.follow_requests AS r
USING unnest($1::bigint[], $2::bigint[]) AS p (requester_id, target_id)
WHERE r.requester_id = p.requester_id AND r.target_id = p.target_id
