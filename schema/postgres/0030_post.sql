-- The post service's schema: posts, time-partitioned, and the idempotency keys of CreatePost.
--
-- post.posts is partitioned by RANGE on the id. Post ids are time-ordered (services/common/ids.py: milliseconds
-- since 2026-01-01 shifted left by 22 bits), so an id range is a time range: one partition per UTC month, named
-- posts_YYYY_MM. This migration creates the current and the next month; the service creates the months ahead at
-- start and periodically (services/post/domain/partitions.py computes the same names and bounds). The DEFAULT
-- partition takes any row no month partition covers, so an insert never fails; the maintenance moves such rows
-- into their month when it creates it.
CREATE SCHEMA IF NOT EXISTS post;

CREATE TABLE IF NOT EXISTS post.posts (
    id          bigint      NOT NULL,
    author_id   bigint      NOT NULL,
    text        text        NOT NULL,
    media_refs  text[]      NOT NULL DEFAULT '{}',
    visibility  smallint    NOT NULL,
    mention_ids bigint[]    NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    PRIMARY KEY (id)
) PARTITION BY RANGE (id);

-- An author's posts, newest first: ListUserPosts and ListAuthorPostIds.
CREATE INDEX IF NOT EXISTS posts_author_id_desc ON post.posts (author_id, id DESC);

CREATE TABLE IF NOT EXISTS post.posts_default PARTITION OF post.posts DEFAULT;

DO $$
DECLARE
    id_epoch_ms constant bigint := 1767225600000;  -- services/common/ids.py EPOCH_MS
    first_month constant date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    month_start date;
    month_end   date;
    lower_id    bigint;
    upper_id    bigint;
BEGIN
    FOR i IN 0..1 LOOP
        month_start := (first_month + make_interval(months => i))::date;
        month_end := (month_start + interval '1 month')::date;
        lower_id := greatest(0, (extract(epoch FROM month_start::timestamp AT TIME ZONE 'UTC') * 1000)::bigint
                                - id_epoch_ms) << 22;
        upper_id := greatest(0, (extract(epoch FROM month_end::timestamp AT TIME ZONE 'UTC') * 1000)::bigint
                                - id_epoch_ms) << 22;
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS post.%I PARTITION OF post.posts FOR VALUES FROM (%s) TO (%s)',
            'posts_' || to_char(month_start, 'YYYY_MM'), lower_id, upper_id
        );
    END LOOP;
END
$$;

-- CreatePost's Idempotency-Key: one row per (author, key), written in the transaction that inserts the post, so
-- a retry (or a concurrent duplicate, through the primary key) finds the first post instead of creating another.
CREATE TABLE IF NOT EXISTS post.idempotency_keys (
    author_id  bigint      NOT NULL,
    key        text        NOT NULL,
    post_id    bigint      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (author_id, key)
);
