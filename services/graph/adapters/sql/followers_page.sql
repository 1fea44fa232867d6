-- ListFollowers: up to $3 followers of $1 below seq $2 (all when null), newest first.
SELECT seq, follower_id AS user_id
FROM graph.follows
WHERE followee_id = $1 AND seq < coalesce($2::bigint, 9223372036854775807)
ORDER BY seq DESC
LIMIT $3
