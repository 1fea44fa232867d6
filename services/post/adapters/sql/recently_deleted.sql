-- The posts deleted within the tombstone retention ($1 seconds), with when (seconds since the epoch): the tombstone
-- set's rebuild (services/post/adapters/tombstones.py).
SELECT id, extract(epoch FROM deleted_at)::float8 AS deleted_at
FROM post.posts
WHERE deleted_at > now() - make_interval(secs => $1)
