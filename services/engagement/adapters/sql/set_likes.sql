-- Many callers' likes and unlikes in one statement, so in one transaction that commits them all (group commit):
-- engagement.set_like (schema/postgres/0044_engagement_set_like.sql) for each element, in array order, which the
-- caller sorts by lock key ($2) so that two groups take their rows' locks in one order and never deadlock. One row
-- back per element, in order: changed, hidden, change_order.
SELECT r.changed, r.hidden, r.change_order
FROM unnest(
    $1::boolean[], $2::bigint[], $3::bigint[], $4::bigint[], $5::boolean[],
    $6::text[], $7::text[], $8::bytea[], $9::bytea[], $10::text[], $11::text[]
) WITH ORDINALITY AS a (liked, lock, post_id, user_id, hidden, producer, topic, msg_key, payload, headers, channel, n)
CROSS JOIN LATERAL engagement.set_like(
    a.liked, a.lock, a.post_id, a.user_id, a.hidden, a.producer, a.topic, a.msg_key, a.payload, a.headers::jsonb,
    a.channel
) AS r
ORDER BY a.n
