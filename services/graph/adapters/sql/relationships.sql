-- BatchCheckVisibility: viewer $1's relationship to each of the authors $2, in one statement. One row per fact:
-- 'blocked' (a block either way), 'follows' (the viewer follows the author), 'close_friend' (the viewer is on
-- the author's close-friends list). Every branch is an index lookup per author.
SELECT 'blocked' AS kind, blocked_id AS author_id
FROM graph.blocks WHERE blocker_id = $1 AND blocked_id = ANY($2::bigint[])
UNION ALL
SELECT 'blocked', blocker_id
FROM graph.blocks WHERE blocked_id = $1 AND blocker_id = ANY($2::bigint[])
UNION ALL
SELECT 'follows', followee_id
FROM graph.follows WHERE follower_id = $1 AND followee_id = ANY($2::bigint[])
UNION ALL
SELECT 'close_friend', owner_id
FROM graph.close_friends WHERE friend_id = $1 AND owner_id = ANY($2::bigint[])
