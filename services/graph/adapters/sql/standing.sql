-- GetRelationship: what the caller $1 and user $2 are to each other, as one row of facts; each an index lookup.
SELECT
    EXISTS (SELECT 1 FROM graph.follows WHERE follower_id = $1 AND followee_id = $2) AS following,
    EXISTS (SELECT 1 FROM graph.follow_requests WHERE requester_id = $1 AND target_id = $2) AS requested,
    EXISTS (SELECT 1 FROM graph.follows WHERE follower_id = $2 AND followee_id = $1) AS followed_by,
    EXISTS (SELECT 1 FROM graph.blocks WHERE blocker_id = $1 AND blocked_id = $2) AS blocking,
    EXISTS (SELECT 1 FROM graph.close_friends WHERE owner_id = $1 AND friend_id = $2) AS close_friend
