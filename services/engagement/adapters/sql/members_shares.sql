SELECT post_id, id AS member FROM engagement.shares WHERE post_id = ANY($1::bigint[]) AND NOT hidden
