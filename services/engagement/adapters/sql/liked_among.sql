SELECT post_id
FROM engagement.likes
WHERE user_id = $1 AND post_id = ANY($2::bigint[])
