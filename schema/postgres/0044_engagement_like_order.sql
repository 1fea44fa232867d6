-- A like or unlike in one round trip that leaves nothing on the session (services/engagement/adapters/postgres.py,
-- app/reactions.py): the row's advisory lock is taken for the transaction only, and every call returns a number from
-- engagement.like_order drawn while it holds that lock, so one row's calls are numbered in the order they commit.
-- The counter cache applies a row's change only if its number is above the last one applied (lua/apply.lua): the
-- cache sees one row's changes in commit order without a lock held until the change is applied, and the connection
-- goes back to the pool without a reset.
--
-- p_lock: the row's advisory lock key. p_hidden: the like is made while its author is shadow-banned. The event
-- arguments are the row services.common.outbox.enqueue_event writes, and the relay's channel to notify (NULL when
-- the writer wakes the relay in-process). A new (or, for unlike, removed) like that is not hidden records its +1/-1
-- in counter_changes and its event in the outbox; a hidden one (counted for nobody else, no event) does neither.
-- One row back, always: whether the like changed, whether it is (was) hidden, the events written, the order.

CREATE SEQUENCE IF NOT EXISTS engagement.like_order;

CREATE OR REPLACE FUNCTION engagement.like_in_order(
    p_lock bigint, p_post_id bigint, p_user_id bigint, p_hidden boolean,
    p_producer text, p_topic text, p_msg_key bytea, p_payload bytea, p_headers jsonb, p_channel text
) RETURNS TABLE (changed boolean, hidden boolean, events bigint, change_order bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_changed boolean;
    v_hidden boolean;
    v_events bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock);
    -- a statement of its own: in READ COMMITTED it sees every change committed before the lock was granted
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
        RETURNING id
    )
    SELECT true, added.hidden, (SELECT count(*) FROM announced) FROM added
    UNION ALL
    -- the like that was there (the lock is held: nobody else changes it meanwhile)
    SELECT false, likes.hidden, 0::bigint FROM engagement.likes AS likes
    WHERE likes.post_id = p_post_id AND likes.user_id = p_user_id AND NOT EXISTS (SELECT 1 FROM added)
    INTO v_changed, v_hidden, v_events;
    IF v_events > 0 AND p_channel IS NOT NULL THEN
        PERFORM pg_notify(p_channel, p_producer);
    END IF;
    RETURN QUERY SELECT coalesce(v_changed, false), coalesce(v_hidden, false), coalesce(v_events, 0::bigint),
        nextval('engagement.like_order');
END
$$;

CREATE OR REPLACE FUNCTION engagement.unlike_in_order(
    p_lock bigint, p_post_id bigint, p_user_id bigint,
    p_producer text, p_topic text, p_msg_key bytea, p_payload bytea, p_headers jsonb, p_channel text
) RETURNS TABLE (changed boolean, hidden boolean, events bigint, change_order bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_hidden boolean;
    v_events bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock);
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
        RETURNING id
    )
    SELECT removed.hidden, (SELECT count(*) FROM announced) FROM removed
    INTO v_hidden, v_events;
    IF v_events > 0 AND p_channel IS NOT NULL THEN
        PERFORM pg_notify(p_channel, p_producer);
    END IF;
    RETURN QUERY SELECT v_hidden IS NOT NULL, coalesce(v_hidden, false), coalesce(v_events, 0::bigint),
        nextval('engagement.like_order');
END
$$;
