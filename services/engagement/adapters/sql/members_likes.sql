SELECT post_id, user_id AS member FROM engagement.likes WHERE post_id = ANY($1::bigint[]) AND NOT hidden
