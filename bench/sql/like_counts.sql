-- Per post: its exact like count (a recount of engagement.likes, the source of truth) and the durable counter the
-- flush keeps (engagement.post_counters; a post without a row has 0). $1: the post ids.
SELECT p.post_id,
       (SELECT count(*) FROM engagement.likes AS l WHERE l.post_id = p.post_id) AS recount,
       coalesce(c.likes, 0) AS durable
FROM unnest($1::bigint[]) AS p (post_id)
LEFT JOIN engagement.post_counters AS c ON c.post_id = p.post_id
