-- BatchCheckAudience: author $1's relationship to each of the viewers $2, in one statement, as facts about each
-- viewer: 'blocked' (a block either way), 'follows' (the viewer follows the author), 'close_friend' (the viewer is on
-- the author's close-friends list). Every branch is an index lookup per viewer.
SELECT 'blocked' AS kind, blocked_id AS viewer_id
FROM graph.blocks WHERE blocker_id = $1 AND blocked_id = ANY($2::bigint[])
UNION ALL
SELECT 'blocked', blocker_id
FROM graph.blocks WHERE blocked_id = $1 AND blocker_id = ANY($2::bigint[])
UNION ALL
SELECT 'follows', follower_id
FROM graph.follows WHERE followee_id = $1 AND follower_id = ANY($2::bigint[])
UNION ALL
SELECT 'close_friend', friend_id
FROM graph.close_friends WHERE owner_id = $1 AND friend_id = ANY($2::bigint[])
