-- Subtracts $2[i] from the follower count and $3[i] from the following count of user $1[i]. The rows exist: a
-- follow being removed was counted when it was added. Run counts_lock first in the same transaction.
UPDATE graph.user_counts AS c
SET follower_count = c.follower_count - d.followers,
    following_count = c.following_count - d.following
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS d (user_id, followers, following)
WHERE c.user_id = d.user_id
