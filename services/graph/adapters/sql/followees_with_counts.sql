-- ListFolloweeIds: every account $1 follows, with that account's follower count.
SELECT f.followee_id, coalesce(c.follower_count, 0) AS follower_count
FROM graph.follows AS f
LEFT JOIN graph.user_counts AS c ON c.user_id = f.followee_id
WHERE f.follower_id = $1
