-- ListFolloweeIds: every account $1 follows, with that account's follower count and whether $1 is on its
-- close-friends list.
SELECT f.followee_id,
       coalesce(c.follower_count, 0) AS follower_count,
       (cf.owner_id IS NOT NULL) AS close_friend
FROM graph.follows AS f
LEFT JOIN graph.user_counts AS c ON c.user_id = f.followee_id
LEFT JOIN graph.close_friends AS cf ON cf.owner_id = f.followee_id AND cf.friend_id = f.follower_id
WHERE f.follower_id = $1
