-- The counts of these posts from the rows themselves: what every counter must converge to.
SELECT p.post_id,
       (SELECT count(*) FROM engagement.likes AS l WHERE l.post_id = p.post_id) AS likes,
       (SELECT count(*) FROM engagement.comments AS m WHERE m.post_id = p.post_id) AS comments,
       (SELECT count(*) FROM engagement.shares AS s WHERE s.post_id = p.post_id) AS shares
FROM unnest($1::bigint[]) AS p (post_id)
