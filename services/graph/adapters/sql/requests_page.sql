-- ListFollowRequests: up to $3 pending requests to $1 above seq $2 (all when null), oldest first.
SELECT seq, requester_id AS user_id
FROM graph.follow_requests
WHERE target_id = $1 AND seq > coalesce($2::bigint, 0)
ORDER BY seq
LIMIT $3
