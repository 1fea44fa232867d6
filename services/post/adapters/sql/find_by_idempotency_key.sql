SELECT p.id, p.author_id, p.text, p.media_refs, p.visibility, p.mention_ids, p.created_at, p.deleted_at
FROM post.idempotency_keys k
JOIN post.posts p ON p.id = k.post_id
WHERE k.author_id = $1 AND k.key = $2
