-- The engagement service's schema: likes, comments and shares (the source of truth, one row each), the answers
-- given to Idempotency-Key requests, and the per-post counters.
--
-- Counters: a write never updates a per-post row (a like storm on one post would serialise on it). It appends a
-- row to counter_changes instead, in the transaction of the like, comment or share it counts (+1 or -1). The
-- flush consumes those rows in batches: in ONE transaction it deletes a batch and adds its sums to post_counters,
-- so a change is counted exactly once however the flush fails or the process dies. The exact count of a post is
-- therefore post_counters + its unconsumed counter_changes, at any snapshot. Redis serves the hot counts
-- (services/engagement/adapters/redis_counters.py); this is what they converge to.
CREATE SCHEMA IF NOT EXISTS engagement;

-- user_id likes post_id. Unlike deletes the row.
CREATE TABLE IF NOT EXISTS engagement.likes (
    post_id    bigint      NOT NULL,
    user_id    bigint      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, user_id)
);
-- "Which of these posts has this viewer liked": BatchGetPostStats when the post's counts are not in Redis.
CREATE INDEX IF NOT EXISTS likes_user_post ON engagement.likes (user_id, post_id);

-- Comments; DeleteComment deletes the row. Ids are time-ordered (services/common/ids.py): ListComments pages by id.
CREATE TABLE IF NOT EXISTS engagement.comments (
    id         bigint      PRIMARY KEY,
    post_id    bigint      NOT NULL,
    author_id  bigint      NOT NULL,
    text       text        NOT NULL,
    created_at timestamptz NOT NULL
);
-- ListComments (oldest first) and the identical-comment check (one author's recent comments on one post).
CREATE INDEX IF NOT EXISTS comments_post_id ON engagement.comments (post_id, id);
CREATE INDEX IF NOT EXISTS comments_post_author ON engagement.comments (post_id, author_id, id DESC);

-- Every counted share.
CREATE TABLE IF NOT EXISTS engagement.shares (
    id         bigint      PRIMARY KEY,
    post_id    bigint      NOT NULL,
    user_id    bigint      NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS shares_post ON engagement.shares (post_id);

-- Idempotency-Key: (user, key) -> the request it was first used for and the answer given. The row is claimed in
-- the transaction of the change, so a retry never changes anything twice; `answer` is written before the first
-- answer is returned (a like's count is known only after the change), so a retry returns exactly that answer.
CREATE TABLE IF NOT EXISTS engagement.idempotency_keys (
    user_id    bigint      NOT NULL,
    key        text        NOT NULL,
    action     text        NOT NULL,
    post_id    bigint      NOT NULL,
    answer     jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);

-- Changes not yet added to post_counters (see the top of this file).
CREATE TABLE IF NOT EXISTS engagement.counter_changes (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id    bigint      NOT NULL,
    likes      smallint    NOT NULL DEFAULT 0,
    comments   smallint    NOT NULL DEFAULT 0,
    shares     smallint    NOT NULL DEFAULT 0,
    changed_at timestamptz NOT NULL DEFAULT now()
);
-- A post's pending changes, for its exact count.
CREATE INDEX IF NOT EXISTS counter_changes_post ON engagement.counter_changes (post_id);

-- The durable counters, written only by the flush. A missing row is 0/0/0.
CREATE TABLE IF NOT EXISTS engagement.post_counters (
    post_id    bigint      PRIMARY KEY,
    likes      bigint      NOT NULL DEFAULT 0,
    comments   bigint      NOT NULL DEFAULT 0,
    shares     bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- The reconciliation sweep: posts whose counters changed lately.
CREATE INDEX IF NOT EXISTS post_counters_updated ON engagement.post_counters (updated_at);

-- Shadow bans, budgets and the admin service come in later migrations of the engagement range (0041-0049).
