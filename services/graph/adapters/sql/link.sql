-- The link from user $1 to user $2: FOLLOWING, REQUESTED or NONE.
SELECT CASE
    WHEN EXISTS (SELECT 1 FROM graph.follows WHERE follower_id = $1 AND followee_id = $2) THEN 'FOLLOWING'
    WHEN EXISTS (SELECT 1 FROM graph.follow_requests WHERE requester_id = $1 AND target_id = $2) THEN 'REQUESTED'
    ELSE 'NONE'
END
