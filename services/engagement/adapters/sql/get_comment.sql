SELECT id, post_id, author_id, text, created_at
FROM engagement.comments
WHERE id = $1 AND post_id = $2
