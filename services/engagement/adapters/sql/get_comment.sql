-- The comment as the viewer ($3) may know it: a hidden comment exists for its author alone.
SELECT id, post_id, author_id, text, created_at
FROM engagement.comments
WHERE id = $1 AND post_id = $2 AND (NOT hidden OR author_id = $3)
