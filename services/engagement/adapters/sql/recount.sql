-- The counts of these posts from the rows that count (hidden ones do not): what every counter must converge to.
SELECT p.post_id,
       (SELECT count(*) FROM engagement.likes AS l WHERE l.post_id = p.post_id AND NOT l.hidden) AS likes,
       (SELECT count(*) FROM engagement.comments AS m WHERE m.post_id = p.post_id AND NOT m.hidden) AS comments,
       (SELECT count(*) FROM engagement.shares AS s WHERE s.post_id = p.post_id AND NOT s.hidden) AS shares
FROM unnest($1::bigint[]) AS p (post_id)
