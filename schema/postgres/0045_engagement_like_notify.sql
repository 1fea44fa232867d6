-- engagement.add_like/remove_like (0044) notify the outbox relay's channel only when given one (p_channel not NULL):
-- a writer whose process runs the producer's publishing relay wakes it in-process (services.common.outbox
-- .OutboxRelay.wake) and passes NULL, which saves a notification per like (about 0.1 ms of CPU between the writer's
-- backend, the relay's backend and the relay's process). Same arguments and result as 0044.

CREATE OR REPLACE FUNCTION engagement.add_like(
    p_lock bigint, p_post_id bigint, p_user_id bigint, p_hidden boolean,
    p_producer text, p_topic text, p_msg_key bytea, p_payload bytea, p_headers jsonb, p_channel text
) RETURNS TABLE (changed boolean, hidden boolean, events bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_changed boolean;
    v_hidden boolean;
    v_events bigint;
BEGIN
    IF p_lock IS NOT NULL THEN
        PERFORM pg_advisory_lock(p_lock);
    END IF;
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
    -- the like that was there (the caller holds the row's lock: nobody else changed it meanwhile)
    SELECT false, likes.hidden, 0::bigint FROM engagement.likes AS likes
    WHERE likes.post_id = p_post_id AND likes.user_id = p_user_id AND NOT EXISTS (SELECT 1 FROM added)
    INTO v_changed, v_hidden, v_events;
    IF v_events > 0 AND p_channel IS NOT NULL THEN
        PERFORM pg_notify(p_channel, p_producer);
    END IF;
    IF v_changed IS NOT NULL THEN
        RETURN QUERY SELECT v_changed, v_hidden, v_events;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION engagement.remove_like(
    p_lock bigint, p_post_id bigint, p_user_id bigint,
    p_producer text, p_topic text, p_msg_key bytea, p_payload bytea, p_headers jsonb, p_channel text
) RETURNS TABLE (changed boolean, hidden boolean, events bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_hidden boolean;
    v_events bigint;
BEGIN
    IF p_lock IS NOT NULL THEN
        PERFORM pg_advisory_lock(p_lock);
    END IF;
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
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF v_events > 0 AND p_channel IS NOT NULL THEN
        PERFORM pg_notify(p_channel, p_producer);
    END IF;
    RETURN QUERY SELECT true, v_hidden, v_events;
END
$$;
