-- Deletes those of the (owner $1[i], friend $2[i]) close-friend entries that exist.
DELETE FROM graph.close_friends AS c
USING unnest($1::bigint[], $2::bigint[]) AS p (owner_id, friend_id)
WHERE c.owner_id = p.owner_id AND c.friend_id = p.friend_id
