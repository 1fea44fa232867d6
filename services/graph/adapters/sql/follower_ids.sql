-- ListFollowerIds: up to $3 (all when null) follower ids of $1 above id $2 (from the start when null), ascending.
SELECT follower_id
FROM graph.follows
WHERE followee_id = $1 AND follower_id > coalesce($2::bigint, 0)
ORDER BY follower_id
LIMIT $3
