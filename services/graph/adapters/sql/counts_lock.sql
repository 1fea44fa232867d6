-- Locks the counts rows of users $1 in user id order, before counts_subtract updates them in no defined order.
SELECT user_id FROM graph.user_counts WHERE user_id = ANY($1::bigint[]) ORDER BY user_id FOR UPDATE
