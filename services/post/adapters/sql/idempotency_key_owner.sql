SELECT post_id
FROM post.idempotency_keys
WHERE author_id = $1 AND key = $2
