-- A like or unlike in one round trip with the lock of its row (services/engagement/adapters/postgres.py): the
-- engagement service holds a session-level advisory lock per (post, user) from before the like's write until its
-- change is in the counter cache, so one row's changes reach the cache in commit order. Taking that lock and writing
-- the like in one call saves a round trip per like; the write runs as a statement of its own after the lock is
-- granted, so in READ COMMITTED it sees every change committed before (a statement that took the lock itself would
-- read with the snapshot it started with, from before the lock was granted).
--
-- p_lock: the row's advisory lock key, taken (session level: released with the pooled connection) before the write;
-- NULL when the caller holds it already. p_hidden: the like is made while its author is shadow-banned. The event
-- arguments are the row services.common.outbox.enqueue_event writes, and the relay's channel, notified. A new (or,
-- for unlike, removed) like that is not hidden records its +1/-1 in counter_changes and its event in the outbox; a
-- hidden one (counted for nobody else, no event) does neither. One row back: whether the like changed, whether it is
-- (was) hidden, and the events written; unlike returns no row when there was no like.

CREATE OR REPLACE FUNCTION engagement.add_like(
    p_lock bigint, p_post_id bigint, p_user_id bigint, p_hidden boolean,
    p_producer text, p_topic text, p_msg_key bytea, p_payload bytea, p_headers jsonb, p_channel text
) RETURNS TABLE (changed boolean, hidden boolean, events bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    IF p_lock IS NOT NULL THEN
        PERFORM pg_advisory_lock(p_lock);
    END IF;
    RETURN QUERY
    WITH added AS (
        INSERT INTO engagement.likes (post_id, user_id, hidden)
        VALUES (p_post_id, p_user_id, p_hidden)
        ON CONFLICT (post_id, user_id) DO NOTHING
        RETURNING post_id, hidden
    ), counted AS (
        INSERT INTO engagement.counter_changes (post_id, likes)
        SELECT post_id, 1 FROM added WHERE NOT hidden
    ), announced AS (
        INSERT INTO outbox (producer, topic, msg_key, payload, headers)
        SELECT p_producer, p_topic, p_msg_key, p_payload, p_headers FROM added WHERE NOT hidden
        RETURNING pg_notify(p_channel, producer)
    )
    SELECT true, added.hidden, (SELECT count(*) FROM announced) FROM added
    UNION ALL
    -- the like that was there (the caller holds the row's lock: nobody else changed it meanwhile)
    SELECT false, likes.hidden, 0::bigint FROM engagement.likes AS likes
    WHERE likes.post_id = p_post_id AND likes.user_id = p_user_id AND NOT EXISTS (SELECT 1 FROM added);
END
$$;

CREATE OR REPLACE FUNCTION engagement.remove_like(
    p_lock bigint, p_post_id bigint, p_user_id bigint,
    p_producer text, p_topic text, p_msg_key bytea, p_payload bytea, p_headers jsonb, p_channel text
) RETURNS TABLE (changed boolean, hidden boolean, events bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    IF p_lock IS NOT NULL THEN
        PERFORM pg_advisory_lock(p_lock);
    END IF;
    RETURN QUERY
    WITH removed AS (
        DELETE FROM engagement.likes AS likes
        WHERE likes.post_id = p_post_id AND likes.user_id = p_user_id
        RETURNING likes.post_id, likes.hidden
    ), counted AS (
        INSERT INTO engagement.counter_changes (post_id, likes)
        SELECT post_id, -1 FROM removed WHERE NOT hidden
    ), announced AS (
        INSERT INTO outbox (producer, topic, msg_key, payload, headers)
        SELECT p_producer, p_topic, p_msg_key, p_payload, p_headers FROM removed WHERE NOT hidden
        RETURNING pg_notify(p_channel, producer)
    )
    SELECT true, removed.hidden, (SELECT count(*) FROM announced) FROM removed;
END
$$;
