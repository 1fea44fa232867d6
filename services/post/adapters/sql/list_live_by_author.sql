-- Newest first below the cursor, only the visibilities the viewer may see: walks posts_author_id_desc.
SELECT id, author_id, text, media_refs, visibility, mention_ids, created_at, deleted_at
FROM post.posts
WHERE author_id = $1
  AND id < $2
  AND deleted_at IS NULL
  AND visibility = ANY($3::smallint[])
ORDER BY id DESC
LIMIT $4
