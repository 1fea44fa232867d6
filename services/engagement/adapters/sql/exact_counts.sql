-- The exact counts of these posts at one snapshot: the flushed counters plus the changes not flushed yet.
SELECT p.post_id,
       coalesce(c.likes, 0) + coalesce(j.likes, 0) AS likes,
       coalesce(c.comments, 0) + coalesce(j.comments, 0) AS comments,
       coalesce(c.shares, 0) + coalesce(j.shares, 0) AS shares
FROM unnest($1::bigint[]) AS p (post_id)
LEFT JOIN engagement.post_counters AS c ON c.post_id = p.post_id
LEFT JOIN (
    SELECT post_id, sum(likes) AS likes, sum(comments) AS comments, sum(shares) AS shares
    FROM engagement.counter_changes
    WHERE post_id = ANY($1::bigint[])
    GROUP BY post_id
) AS j ON j.post_id = p.post_id
