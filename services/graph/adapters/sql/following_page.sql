-- ListFollowing: up to $3 accounts $1 follows, below seq $2 (all when null), newest first.
SELECT seq, followee_id AS user_id
FROM graph.follows
WHERE follower_id = $1 AND seq < coalesce($2::bigint, 9223372036854775807)
ORDER BY seq DESC
LIMIT $3
