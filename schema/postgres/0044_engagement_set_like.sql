-- A like or unlike in one round trip that leaves nothing on the session (services/engagement/adapters/postgres.py,
-- app/reactions.py): the row's advisory lock is taken for the transaction only, and every call returns a number from
-- engagement.like_order drawn while it holds that lock, so one row's calls are numbered in the order they commit.
-- The counter cache applies a row's change only if its number is above the last one applied (lua/apply.lua): the
-- cache sees one row's changes in commit order without a lock held until the change is applied, and the connection
-- goes back to the pool without a reset.
--
-- p_liked: like (true) or unlike. p_lock: the row's advisory lock key. p_hidden: a like made while its author is
-- shadow-banned. The event arguments are the row services.common.outbox.enqueue_event writes, and the relay's
-- channel to notify (NULL when the writer wakes the relay in-process). A new (or, for unlike, removed) like that is
-- not hidden records its +1/-1 in counter_changes and its event in the outbox; a hidden one (counted for nobody else,
-- no event) does neither. One row back: whether the like changed, whether it is (was) hidden, the call's order.

CREATE SEQUENCE IF NOT EXISTS engagement.like_order;

CREATE OR REPLACE FUNCTION engagement.set_like(
    p_liked boolean, p_lock bigint, p_post_id bigint, p_user_id bigint, p_hidden boolean,
    p_producer text, p_topic text, p_msg_key bytea, p_payload bytea, p_headers jsonb, p_channel text
) RETURNS TABLE (changed boolean, hidden boolean, change_order bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_changed boolean;
    v_hidden boolean := false;
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock);
    -- each statement from here reads with a snapshot taken after the lock was granted (READ COMMITTED): it sees
    -- every change of the row committed before
    IF p_liked THEN
        INSERT INTO engagement.likes AS l (post_id, user_id, hidden) VALUES (p_post_id, p_user_id, p_hidden)
        ON CONFLICT (post_id, user_id) DO NOTHING;
        v_changed := FOUND;
        IF v_changed THEN
            v_hidden := p_hidden;
        ELSE  -- the like that was there (the lock is held: nobody else changes it meanwhile)
            SELECT l.hidden INTO v_hidden FROM engagement.likes AS l
            WHERE l.post_id = p_post_id AND l.user_id = p_user_id;
        END IF;
    ELSE
        DELETE FROM engagement.likes AS l WHERE l.post_id = p_post_id AND l.user_id = p_user_id
        RETURNING l.hidden INTO v_hidden;
        v_changed := FOUND;
    END IF;
    v_hidden := coalesce(v_hidden, false);
    IF v_changed AND NOT v_hidden THEN
        INSERT INTO engagement.counter_changes (post_id, likes)
        VALUES (p_post_id, CASE WHEN p_liked THEN 1 ELSE -1 END);
        INSERT INTO outbox (producer, topic, msg_key, payload, headers)
        VALUES (p_producer, p_topic, p_msg_key, p_payload, p_headers);
        IF p_channel IS NOT NULL THEN
            PERFORM pg_notify(p_channel, p_producer);
        END IF;
    END IF;
    RETURN QUERY SELECT v_changed, v_hidden, nextval('engagement.like_order');
END
$$;
