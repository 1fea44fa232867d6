-- Follower and following counts of the users $1 (0 for a user without a counts row).
SELECT u.user_id, coalesce(c.follower_count, 0) AS followers, coalesce(c.following_count, 0) AS following
FROM unnest($1::bigint[]) AS u (user_id)
LEFT JOIN graph.user_counts AS c ON c.user_id = u.user_id
