SELECT id, author_id, text, media_refs, visibility, mention_ids, created_at, deleted_at
FROM post.posts
WHERE id = $1
