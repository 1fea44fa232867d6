-- Deletes those of the (follower $1[i], followee $2[i]) follows that exist; returns the deleted pairs.
DELETE FROM graph.follows AS f
USING unnest($1::bigint[], $2::bigint[]) AS p (follower_id, followee_id)
WHERE f.follower_id = p.follower_id AND f.followee_id = p.followee_id
RETURNING f.follower_id, f.followee_id
