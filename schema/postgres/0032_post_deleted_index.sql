-- The tombstone set's rebuild at every post service start reads the posts deleted within the retention window
-- (services/post/adapters/sql/recently_deleted.sql); deleted posts are few, so a partial index keeps that read from
-- scanning every post.
CREATE INDEX IF NOT EXISTS posts_deleted_at ON post.posts (deleted_at) WHERE deleted_at IS NOT NULL;
