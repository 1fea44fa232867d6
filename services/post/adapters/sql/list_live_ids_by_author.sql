SELECT id
FROM post.posts
WHERE author_id = $1
  AND id < $2
  AND deleted_at IS NULL
ORDER BY id DESC
LIMIT $3
