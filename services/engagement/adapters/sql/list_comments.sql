-- Oldest first, after the cursor's id: walks comments_post_id. Hidden comments only for their author ($4).
SELECT id, post_id, author_id, text, created_at
FROM engagement.comments
WHERE post_id = $1 AND id > $2 AND (NOT hidden OR author_id = $4)
ORDER BY id
LIMIT $3
