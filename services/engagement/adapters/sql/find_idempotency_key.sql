SELECT action, post_id, answer
FROM engagement.idempotency_keys
WHERE user_id = $1 AND key = $2
