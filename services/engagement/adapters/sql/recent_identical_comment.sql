-- The author's newest comment on the post with exactly this text, made at or after $4.
SELECT id, post_id, author_id, text, created_at
FROM engagement.comments
WHERE post_id = $1 AND author_id = $2 AND text = $3 AND created_at >= $4
ORDER BY id DESC
LIMIT 1
