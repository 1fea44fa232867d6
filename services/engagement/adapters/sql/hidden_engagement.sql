-- One user's ($1) hidden likes, comments and shares on these posts ($2), through the partial *_hidden_* indexes;
-- only posts with some are returned.
SELECT post_id, sum(likes)::int AS likes, sum(comments)::int AS comments, sum(shares)::int AS shares
FROM (
    SELECT post_id, 1 AS likes, 0 AS comments, 0 AS shares
    FROM engagement.likes WHERE hidden AND user_id = $1 AND post_id = ANY($2::bigint[])
    UNION ALL
    SELECT post_id, 0, 1, 0
    FROM engagement.comments WHERE hidden AND author_id = $1 AND post_id = ANY($2::bigint[])
    UNION ALL
    SELECT post_id, 0, 0, 1
    FROM engagement.shares WHERE hidden AND user_id = $1 AND post_id = ANY($2::bigint[])
) AS own
GROUP BY post_id
