-- The graph cache's invalidation log: every change that must invalidate users' cached counts, follower sets and
-- relationship versions writes those users here in its own transaction. The process that committed it removes the
-- entries once Redis took the invalidation; entries left behind (Redis was down and the process died before it
-- came back) are invalidated by the next graph process that starts, or by any graph process once they are old.
CREATE TABLE IF NOT EXISTS graph.cache_invalidations (
    id         bigserial   PRIMARY KEY,
    user_id    bigint      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS cache_invalidations_created ON graph.cache_invalidations (created_at);
