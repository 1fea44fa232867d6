-- Adds $2[i] (>= 0) to the follower count and $3[i] (>= 0) to the following count of user $1[i], creating the row
-- when missing. Rows are locked in user id order, so two transactions touching the same users cannot deadlock on
-- them. Only for increments: PostgreSQL checks the table's CHECK constraints on the row proposed for insertion
-- before it detects the conflict, so a negative delta would fail even when the row exists (see counts_subtract).
INSERT INTO graph.user_counts AS c (user_id, follower_count, following_count)
SELECT user_id, followers, following
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS d (user_id, followers, following)
ORDER BY user_id
ON CONFLICT (user_id) DO UPDATE
SET follower_count = c.follower_count + excluded.follower_count,
    following_count = c.following_count + excluded.following_count
