INSERT INTO post.posts (id, author_id, text, media_refs, visibility, mention_ids, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
